/** Tiny option parser for the record/replay/export commands: `--key value`, `--flag`, positionals. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  positional: string[];
  opts: Map<string, string | true>;
}

/** Parse argv; `flags` are options without a value. Unknown options are errors naming them. */
export function parseArgs(argv: readonly string[], valued: readonly string[], flags: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { positional: [], opts: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, inline] = a.includes('=') ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(2), undefined];
      if (flags.includes(k)) { out.opts.set(k, true); continue; }
      if (!valued.includes(k)) throw new UsageError(`unknown option --${k}`);
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`--${k} needs a value`);
      out.opts.set(k, v);
    } else if (a === '-h') out.opts.set('help', true);
    else out.positional.push(a);
  }
  return out;
}

export function numOpt(p: ParsedArgs, k: string, def: number, o: { min?: number; max?: number; int?: boolean } = {}): number {
  const v = p.opts.get(k);
  if (v === undefined) return def;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || (o.int && !Number.isInteger(n)) || (o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
    throw new UsageError(`--${k} must be ${o.int ? 'an integer' : 'a number'}${o.min !== undefined ? ` ≥ ${o.min}` : ''}${o.max !== undefined ? ` ≤ ${o.max}` : ''}, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function strOpt(p: ParsedArgs, k: string): string | undefined {
  const v = p.opts.get(k);
  return typeof v === 'string' ? v : undefined;
}

/** Parse a duration: "10", "10s", "500ms", "2m". Returns seconds. */
export function parseDuration(s: string, what = 'duration'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s.trim());
  if (!m) throw new UsageError(`${what} must look like 10, 10s, 500ms or 2m, got ${JSON.stringify(s)}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
}

/** Run a command body: usage errors → exit 2, other errors → message, exit 1 (no stack). */
export async function runCommand(name: string, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`specula ${name}: ${e.message}\n\n${usage}`);
      return 2;
    }
    console.error(`specula ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
