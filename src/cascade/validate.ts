/**
 * Cascade validation: checks a parsed JSON value against the cascade schema (src/shared/cascade-spec.ts)
 * and the stage library, and propagates shapes through the stages. Every problem is reported as
 * `<json path>: <problem>`, e.g. `stages[3].params.order: expected integer 1..12, got 0`.
 * The result's `plan` is what the runner builds from (no second parse).
 */
import {
  AUX_PREFIX, INPUT_REF, SAMPLE_DTYPES, STAGE_ID_PATTERN,
  type CascadeSpec, type FrameShape, type SampleDType,
} from '../shared/cascade-spec';
import { parseParams } from './params';
import type { DataShape, StageDef } from './stage';
import { STAGES, STAGE_TYPES } from './stages/index';

/** Where a stage input comes from. */
export type Source =
  | { kind: 'input' }
  | { kind: 'aux'; name: string }
  | { kind: 'stage'; index: number; port: string | null };

export interface PlannedStage {
  id: string;
  type: string;
  def: StageDef;
  params: Record<string, unknown>;
  input: Source;
  /** In `def.aux` order. */
  aux: Source[];
  inShape: DataShape;
  auxShapes: DataShape[];
  outShape: DataShape;
  ports: Record<string, DataShape>;
}

export interface Plan {
  spec: CascadeSpec;
  input: DataShape;
  aux: Record<string, DataShape>;
  stages: PlannedStage[];
  /** Output name → source (always a stage). */
  outputs: Record<string, Source & { kind: 'stage' }>;
}

export type ValidationResult = { ok: true; plan: Plan } | { ok: false; errors: string[] };

const MAX_STAGES = 64;
const STAGE_KEYS = ['id', 'type', 'input', 'aux', 'params', 'note'];
const TOP_KEYS = ['name', 'description', 'input', 'stages', 'outputs'];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v));

function checkDim(v: unknown, path: string, errors: string[]): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1 << 24) {
    errors.push(`${path}: expected integer 1..${1 << 24}, got ${v === undefined ? 'nothing' : show(v)}`);
    return 0;
  }
  return v;
}

function checkDtype(v: unknown, path: string, errors: string[]): SampleDType {
  if (typeof v !== 'string' || !SAMPLE_DTYPES.includes(v as SampleDType)) {
    errors.push(`${path}: expected one of ${SAMPLE_DTYPES.map((d) => `'${d}'`).join(', ')}, got ${v === undefined ? 'nothing' : show(v)}`);
    return 'float64';
  }
  return v as SampleDType;
}

/**
 * Validate a cascade. `shape` (optional) replaces the declared input geometry/dtype, as the live
 * device does; aux inputs without their own geometry follow it.
 */
export function validateCascade(json: unknown, shape?: FrameShape): ValidationResult {
  const errors: string[] = [];
  if (!isObj(json)) return { ok: false, errors: [`(root): expected a JSON object, got ${show(json)}`] };
  for (const k of Object.keys(json)) if (!TOP_KEYS.includes(k)) errors.push(`${k}: unknown key (known: ${TOP_KEYS.join(', ')})`);
  if (typeof json.name !== 'string' || json.name.length === 0) errors.push(`name: expected a non-empty string, got ${json.name === undefined ? 'nothing' : show(json.name)}`);
  if (json.description !== undefined && typeof json.description !== 'string') errors.push(`description: expected a string, got ${show(json.description)}`);

  // input
  let input: DataShape = { lines: 1, samples: 1, dtype: 'float64', complex: false };
  const aux: Record<string, DataShape> = {};
  if (!isObj(json.input)) {
    errors.push(`input: expected an object {lines, samples, dtype}, got ${json.input === undefined ? 'nothing' : show(json.input)}`);
  } else {
    const ji = json.input;
    for (const k of Object.keys(ji)) if (!['lines', 'samples', 'dtype', 'aux'].includes(k)) errors.push(`input.${k}: unknown key (known: lines, samples, dtype, aux)`);
    input = {
      lines: checkDim(ji.lines, 'input.lines', errors),
      samples: checkDim(ji.samples, 'input.samples', errors),
      dtype: checkDtype(ji.dtype, 'input.dtype', errors),
      complex: false,
    };
    if (shape) input = { lines: shape.lines, samples: shape.samples, dtype: shape.dtype, complex: false };
    if (ji.aux !== undefined) {
      if (!isObj(ji.aux)) errors.push(`input.aux: expected an object of name → {dtype, lines?, samples?}, got ${show(ji.aux)}`);
      else {
        for (const [name, a] of Object.entries(ji.aux)) {
          const p = `input.aux.${name}`;
          if (!STAGE_ID_PATTERN.test(name)) errors.push(`${p}: invalid aux name (letters, digits, _ and -)`);
          if (!isObj(a)) { errors.push(`${p}: expected an object {dtype, lines?, samples?}, got ${show(a)}`); continue; }
          aux[name] = {
            lines: a.lines === undefined ? input.lines : checkDim(a.lines, `${p}.lines`, errors),
            samples: a.samples === undefined ? input.samples : checkDim(a.samples, `${p}.samples`, errors),
            dtype: checkDtype(a.dtype, `${p}.dtype`, errors),
            complex: false,
          };
        }
      }
    }
  }

  // stages
  const stages: PlannedStage[] = [];
  const idIndex = new Map<string, number>();
  const allIds = new Map<string, number>();
  if (!Array.isArray(json.stages) || json.stages.length === 0) {
    errors.push(`stages: expected a non-empty array of stages, got ${json.stages === undefined ? 'nothing' : show(json.stages)}`);
  } else if (json.stages.length > MAX_STAGES) {
    errors.push(`stages: at most ${MAX_STAGES} stages, got ${json.stages.length}`);
  } else {
    json.stages.forEach((s, i) => { if (isObj(s) && typeof s.id === 'string' && !allIds.has(s.id)) allIds.set(s.id, i); });
  }
  const stageList: unknown[] = Array.isArray(json.stages) && json.stages.length <= MAX_STAGES ? json.stages : [];

  const resolve = (ref: unknown, path: string, self: number): { src: Source; shape: DataShape } | null => {
    if (typeof ref !== 'string' || ref.length === 0) {
      errors.push(`${path}: expected a reference ('input', 'aux:NAME' or an earlier stage id), got ${ref === undefined ? 'nothing' : show(ref)}`);
      return null;
    }
    if (ref === INPUT_REF) return { src: { kind: 'input' }, shape: input };
    if (ref.startsWith(AUX_PREFIX)) {
      const name = ref.slice(AUX_PREFIX.length);
      if (!(name in aux)) {
        errors.push(`${path}: aux input '${name}' is not declared in input.aux${Object.keys(aux).length ? ` (declared: ${Object.keys(aux).join(', ')})` : ''}`);
        return null;
      }
      return { src: { kind: 'aux', name }, shape: aux[name] };
    }
    const dot = ref.indexOf('.');
    const id = dot < 0 ? ref : ref.slice(0, dot);
    const port = dot < 0 ? null : ref.slice(dot + 1);
    const at = idIndex.get(id);
    if (at === undefined) {
      const later = allIds.get(id);
      if (later !== undefined && later < self) return null; // that earlier stage had errors; already reported
      if (later === self) errors.push(`${path}: stage '${id}' refers to itself (cycle)`);
      else if (later !== undefined && later > self) errors.push(`${path}: stage '${id}' is defined later (stages[${later}]); a stage may only use earlier stages (this also rules out cycles)`);
      else errors.push(`${path}: unknown stage '${id}'`);
      return null;
    }
    const st = stages[at];
    if (port !== null) {
      if (!(port in st.ports)) {
        errors.push(`${path}: stage '${id}' (${st.type}) has no output port '${port}'${Object.keys(st.ports).length ? ` (ports: ${Object.keys(st.ports).join(', ')})` : ''}`);
        return null;
      }
      return { src: { kind: 'stage', index: at, port }, shape: st.ports[port] };
    }
    return { src: { kind: 'stage', index: at, port: null }, shape: st.outShape };
  };

  stageList.forEach((raw, i) => {
    const path = `stages[${i}]`;
    const before = errors.length;
    if (!isObj(raw)) { errors.push(`${path}: expected a stage object {id, type, input, params}, got ${show(raw)}`); return; }
    for (const k of Object.keys(raw)) if (!STAGE_KEYS.includes(k)) errors.push(`${path}.${k}: unknown key (known: ${STAGE_KEYS.join(', ')})`);
    const id = raw.id;
    if (typeof id !== 'string' || !STAGE_ID_PATTERN.test(id)) {
      errors.push(`${path}.id: expected an identifier (letter or _, then letters, digits, _ or -), got ${id === undefined ? 'nothing' : show(id)}`);
    } else if (id === INPUT_REF) {
      errors.push(`${path}.id: 'input' is reserved for the cascade input`);
    } else if (idIndex.has(id) || (allIds.get(id) ?? i) < i) {
      errors.push(`${path}.id: duplicate id '${id}' (also stages[${allIds.get(id)}])`);
    }
    const def = typeof raw.type === 'string' ? STAGES[raw.type] : undefined;
    if (!def) errors.push(`${path}.type: unknown stage type ${raw.type === undefined ? '(missing)' : show(raw.type)} (known: ${STAGE_TYPES.join(', ')})`);
    const inp = resolve(raw.input, `${path}.input`, i);
    const auxSrc: Source[] = [];
    const auxShapes: DataShape[] = [];
    if (def) {
      const wanted = def.aux ?? [];
      if (raw.aux !== undefined && !isObj(raw.aux)) errors.push(`${path}.aux: expected an object of name → reference, got ${show(raw.aux)}`);
      const given = isObj(raw.aux) ? raw.aux : {};
      for (const k of Object.keys(given)) if (!wanted.includes(k)) errors.push(`${path}.aux.${k}: '${def.type}' takes no aux input '${k}'${wanted.length ? ` (takes: ${wanted.join(', ')})` : ''}`);
      for (const name of wanted) {
        if (given[name] === undefined) { errors.push(`${path}.aux.${name}: required by '${def.type}' (e.g. "aux:ref" or an earlier stage id)`); continue; }
        const r = resolve(given[name], `${path}.aux.${name}`, i);
        if (r) { auxSrc.push(r.src); auxShapes.push(r.shape); }
      }
    }
    const params = def ? parseParams(def.params, raw.params, `${path}.params`, errors) : {};
    if (errors.length !== before || !def || !inp || typeof id !== 'string') return;
    if (def.accepts === 'real' && inp.shape.complex) { errors.push(`${path}.input: '${def.type}' needs real data, but ${String(raw.input)} is complex (add a complex-part stage)`); return; }
    if (def.accepts === 'complex' && !inp.shape.complex) { errors.push(`${path}.input: '${def.type}' needs complex data, but ${String(raw.input)} is real`); return; }
    const sh = def.shape(inp.shape, params as never, auxShapes);
    if (typeof sh === 'string') { errors.push(`${path}.${sh}`); return; }
    idIndex.set(id, i);
    stages[i] = {
      id, type: def.type, def, params, input: inp.src, aux: auxSrc,
      inShape: inp.shape, auxShapes, outShape: sh.out, ports: sh.ports ?? {},
    };
  });

  // outputs
  const outputs: Plan['outputs'] = {};
  if (!isObj(json.outputs)) {
    errors.push(`outputs: expected an object {display: stageId, ...}, got ${json.outputs === undefined ? 'nothing' : show(json.outputs)}`);
  } else {
    if (json.outputs.display === undefined) errors.push('outputs.display: required (the stage whose output the channel shows)');
    for (const [name, ref] of Object.entries(json.outputs)) {
      if (!STAGE_ID_PATTERN.test(name)) { errors.push(`outputs.${name}: invalid output name (letters, digits, _ and -)`); continue; }
      if (ref === INPUT_REF || (typeof ref === 'string' && ref.startsWith(AUX_PREFIX))) { errors.push(`outputs.${name}: must name a stage, got ${show(ref)}`); continue; }
      const r = resolve(ref, `outputs.${name}`, stageList.length);
      if (r && r.src.kind === 'stage') outputs[name] = r.src;
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, plan: { spec: json as unknown as CascadeSpec, input, aux, stages, outputs } };
}

/** Validate or throw an Error whose message lists every problem (for CLIs and tests). */
export function assertValidCascade(json: unknown, shape?: FrameShape): Plan {
  const r = validateCascade(json, shape);
  if (!r.ok) throw new Error(`invalid cascade:\n  ${r.errors.join('\n  ')}`);
  return r.plan;
}
