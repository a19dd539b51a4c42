/**
 * Typed parameter schemas for stages. Each stage declares a schema object; `ParamsOf<typeof schema>`
 * is the typed parameter record its kernel receives, and `parseParams` checks a JSON value against
 * the schema with errors that name the JSON path (`stages[3].params.order: expected integer 1..12, got 0`).
 */

export type ParamDef =
  | { kind: 'int'; min?: number; max?: number; default?: number; doc: string }
  | { kind: 'number'; min?: number; max?: number; default?: number; doc: string }
  | { kind: 'bool'; default?: boolean; doc: string }
  | { kind: 'enum'; values: readonly string[]; default?: string; doc: string }
  | { kind: 'numbers'; minLength?: number; maxLength?: number; default?: number[]; doc: string }
  | { kind: 'matrix'; cols: number; minRows?: number; default?: number[][]; doc: string };

export type ParamSchema = Record<string, ParamDef>;

type ValueOf<D extends ParamDef> = D extends { kind: 'int' | 'number' }
  ? number
  : D extends { kind: 'bool' }
    ? boolean
    : D extends { kind: 'enum'; values: readonly (infer V)[] }
      ? V
      : D extends { kind: 'numbers' }
        ? number[]
        : D extends { kind: 'matrix' }
          ? number[][]
          : never;

/** Parameters with a default are always present after parsing; the others may be undefined. */
export type ParamsOf<S extends ParamSchema> = {
  [K in keyof S]: S[K] extends { default: unknown } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return v === null ? 'null' : 'an object';
  return String(v);
}

function rangeText(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` ${min}..${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

function checkNumber(def: { kind: 'int' | 'number'; min?: number; max?: number }, v: unknown, path: string, errors: string[]): boolean {
  const what = `expected ${def.kind === 'int' ? 'integer' : 'number'}${rangeText(def.min, def.max)}`;
  if (typeof v !== 'number' || !Number.isFinite(v) || (def.kind === 'int' && !Number.isInteger(v))
    || (def.min !== undefined && v < def.min) || (def.max !== undefined && v > def.max)) {
    errors.push(`${path}: ${what}, got ${describe(v)}`);
    return false;
  }
  return true;
}

/**
 * Check `raw` against `schema`; fill defaults. Pushes one message per problem into `errors`
 * (unknown keys included) and returns the parsed record (only meaningful when no error was pushed).
 */
export function parseParams<S extends ParamSchema>(schema: S, raw: unknown, path: string, errors: string[]): ParamsOf<S> {
  const out: Record<string, unknown> = {};
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    errors.push(`${path}: expected an object, got ${describe(raw)}`);
    return out as ParamsOf<S>;
  }
  const obj = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!(key in schema)) errors.push(`${path}.${key}: unknown parameter (known: ${Object.keys(schema).join(', ') || 'none'})`);
  }
  for (const [key, def] of Object.entries(schema)) {
    const p = `${path}.${key}`;
    const v = obj[key];
    if (v === undefined) {
      if (def.default !== undefined) out[key] = Array.isArray(def.default) ? structuredClone(def.default) : def.default;
      continue;
    }
    switch (def.kind) {
      case 'int':
      case 'number':
        if (checkNumber(def, v, p, errors)) out[key] = v;
        break;
      case 'bool':
        if (typeof v !== 'boolean') errors.push(`${p}: expected true or false, got ${describe(v)}`);
        else out[key] = v;
        break;
      case 'enum':
        if (typeof v !== 'string' || !def.values.includes(v)) errors.push(`${p}: expected one of ${def.values.map((x) => `'${x}'`).join(', ')}, got ${describe(v)}`);
        else out[key] = v;
        break;
      case 'numbers': {
        if (!Array.isArray(v)) { errors.push(`${p}: expected an array of numbers, got ${describe(v)}`); break; }
        if ((def.minLength !== undefined && v.length < def.minLength) || (def.maxLength !== undefined && v.length > def.maxLength)) {
          errors.push(`${p}: expected an array of${rangeText(def.minLength, def.maxLength)} numbers, got ${describe(v)}`);
          break;
        }
        const bad = v.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
        if (bad >= 0) { errors.push(`${p}[${bad}]: expected a finite number, got ${describe(v[bad])}`); break; }
        out[key] = v.slice();
        break;
      }
      case 'matrix': {
        if (!Array.isArray(v) || (def.minRows !== undefined && v.length < def.minRows)) {
          errors.push(`${p}: expected an array of${rangeText(def.minRows)} rows of ${def.cols} numbers, got ${describe(v)}`);
          break;
        }
        let ok = true;
        v.forEach((row: unknown, i: number) => {
          if (!ok) return;
          if (!Array.isArray(row) || row.length !== def.cols) { errors.push(`${p}[${i}]: expected ${def.cols} numbers, got ${describe(row)}`); ok = false; return; }
          const bad = row.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
          if (bad >= 0) { errors.push(`${p}[${i}][${bad}]: expected a finite number, got ${describe(row[bad])}`); ok = false; }
        });
        if (ok) out[key] = v.map((r: number[]) => r.slice());
        break;
      }
    }
  }
  return out as ParamsOf<S>;
}
