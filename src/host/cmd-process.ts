/**
 * `specula process` — run a cascade over frames from a file and write .npy results.
 *
 *   specula process --cascade FILE|PRESET --input FRAMES.npy [--aux NAME=FILE.npy]... --out DIR
 *                   [--dump-stages] [--path ts|fast] [--frames N]
 *
 * The input holds one frame (lines × samples) or a stack (frames × lines × samples). Writes
 * DIR/output.npy (the `display` output, stacked per frame) and, with --dump-stages,
 * DIR/<stage ref>.npy for every stage (and port, e.g. s7.dec.npy), stacked the same way. Files are
 * streamed frame by frame (headers first), so long stacks do not have to fit in memory.
 * Exit status: 0 ok, 2 usage error, 1 bad input or failure (with a message naming the problem).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { CascadeSpec, FrameShape, SampleDType } from '../shared/cascade-spec';
import { npyHeader, readNpy } from '../shared/npy';
import type { CascadeProcessor, SampleArray, StageData } from '../cascade/processor';
import { createTsProcessor } from '../cascade/runner';
import { createTimedTsProcessor } from '../native/cascade-fast-clock';
import { findPresetDir, resolveCascadeArg } from './server/presets';

const USAGE = `usage: specula process --cascade FILE|PRESET --input FRAMES.npy --out DIR [options]

  --cascade FILE|PRESET  cascade JSON, or a preset name from resources/cascades (reference, light, ...)
  --input FILE           .npy with one frame (lines × samples) or a stack (frames × lines × samples)
  --aux NAME=FILE        auxiliary input declared by the cascade (e.g. --aux ref=ref.npy); one frame
                         is reused for every input frame, a stack must have as many frames as --input
  --out DIR              output folder (created): output.npy = the display output, stacked per frame
  --dump-stages          also write DIR/<stage id>.npy for every stage (ports as <id>.<port>.npy)
  --path ts|fast         TypeScript reference path (default) or the compiled fast path
  --frames N             process only the first N frames`;

/** A source of frames of one geometry. Extend `loadFrameSource` for new file types. */
export interface FrameSource {
  shape: FrameShape;
  count: number;
  /** Frame i (0-based) as a typed array of lines × samples values. May be a view; valid until the next call. */
  frame(i: number): SampleArray;
  describe: string;
}

/** Raised for bad user input: printed without a stack, exit status 1. */
class InputError extends Error {}

/**
 * Open a frame file by extension. `.npy` is handled here; `.mcap` recordings are added by the
 * recording owner (src/engine/replay): return a FrameSource for the channel named by `channel`.
 */
export async function loadFrameSource(path: string, _opts: { channel?: string } = {}): Promise<FrameSource> {
  if (!existsSync(path)) throw new InputError(`${path}: no such file`);
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') {
    let npy;
    try {
      npy = readNpy(new Uint8Array(readFileSync(path)));
    } catch (err) {
      throw new InputError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const s = npy.shape;
    if (s.length !== 2 && s.length !== 3) throw new InputError(`${path}: expected a frame (lines, samples) or a stack (frames, lines, samples), got shape (${s.join(', ')})`);
    const [count, lines, samples] = s.length === 2 ? [1, s[0], s[1]] : s;
    if (count < 1 || lines < 1 || samples < 1) throw new InputError(`${path}: empty array, shape (${s.join(', ')})`);
    const size = lines * samples;
    const data = npy.data;
    return {
      shape: { lines, samples, dtype: npy.dtype },
      count,
      frame: (i) => data.subarray(i * size, (i + 1) * size) as SampleArray,
      describe: `${path}: ${count} frame${count > 1 ? 's' : ''} of ${lines}×${samples} ${npy.dtype}`,
    };
  }
  if (ext === '.mcap') {
    // Recording (src/engine/replay/mcap-frame-source.ts): one channel, default the first optical one.
    const { openMcapFrameSource } = await import('../engine/replay/mcap-frame-source');
    try {
      return await openMcapFrameSource(path, { channel: _opts.channel });
    } catch (err) {
      throw new InputError(err instanceof Error ? err.message : String(err));
    }
  }
  throw new InputError(`${path}: unsupported input type '${ext || '(none)'}' (supported: .npy)`);
}

/** The fast path, when its module exists and loads (src/native/cascade-fast.ts, C++ addon). */
export async function createFastProcessorOrExplain(): Promise<CascadeProcessor> {
  let mod: { createFastProcessor?: () => CascadeProcessor };
  try {
    mod = (await import('../native/cascade-fast')) as typeof mod;
  } catch (err) {
    throw new InputError(`--path fast: the fast path is not available (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); build it with 'node scripts/build-native.mjs' or use --path ts`);
  }
  if (typeof mod.createFastProcessor !== 'function') throw new InputError('--path fast: src/native/cascade-fast does not export createFastProcessor()');
  return mod.createFastProcessor();
}

interface Args {
  cascade?: string;
  input?: string;
  aux: [string, string][];
  out?: string;
  dump: boolean;
  path: 'ts' | 'fast';
  frames?: number;
  help: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { aux: [], dump: false, path: 'ts', help: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const eq = k.indexOf('=');
    const [key, inline] = k.startsWith('--') && eq > 0 ? [k.slice(0, eq), k.slice(eq + 1)] : [k, undefined];
    const val = () => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${key} needs a value`);
      return v;
    };
    switch (key) {
      case '--cascade': a.cascade = val(); break;
      case '--input': a.input = val(); break;
      case '--out': a.out = val(); break;
      case '--aux': {
        const v = val();
        const at = v.indexOf('=');
        if (at <= 0 || at === v.length - 1) throw new UsageError(`--aux expects NAME=FILE, got '${v}'`);
        a.aux.push([v.slice(0, at), v.slice(at + 1)]);
        break;
      }
      case '--dump-stages': a.dump = true; break;
      case '--path': {
        const v = val();
        if (v !== 'ts' && v !== 'fast') throw new UsageError(`--path expects ts or fast, got '${v}'`);
        a.path = v;
        break;
      }
      case '--frames': {
        const v = Number(val());
        if (!Number.isInteger(v) || v < 1) throw new UsageError('--frames expects a positive integer');
        a.frames = v;
        break;
      }
      case '--help': case '-h': a.help = true; break;
      default: throw new UsageError(`unknown option '${k}'`);
    }
  }
  return a;
}

class UsageError extends Error {}

/** A .npy file written frame by frame: header (with the final frame count) first, then payloads. */
class NpyStream {
  private fd: number;
  constructor(path: string, dtype: SampleDType, shape: number[]) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, npyHeader(dtype, shape));
  }
  append(a: SampleArray): void {
    writeSync(this.fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  close(): void {
    closeSync(this.fd);
  }
}

function frameShapeOf(d: StageData, frames: number): number[] {
  return d.complex ? [frames, d.lines, d.samples, 2] : [frames, d.lines, d.samples];
}

function progress(done: number, total: number, msPerFrame: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const fill = Math.round((done / total) * width);
  process.stderr.write(`\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${done}/${total} frames  ${msPerFrame.toFixed(1)} ms/frame`);
  if (done === total) process.stderr.write('\n');
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    console.error(`specula process: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) { console.log(USAGE); return 0; }
  const missing = (['cascade', 'input', 'out'] as const).filter((k) => !args[k]);
  if (missing.length) {
    console.error(`specula process: missing ${missing.map((m) => `--${m}`).join(', ')}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await run(args);
  } catch (err) {
    if (err instanceof InputError) { console.error(`specula process: ${err.message}`); return 1; }
    throw err;
  }
}

async function run(args: Args): Promise<number> {
  let cascadePath: string;
  try {
    cascadePath = resolveCascadeArg(findPresetDir(), args.cascade as string);
  } catch (err) {
    throw new InputError(err instanceof Error ? err.message : String(err));
  }
  let spec: CascadeSpec;
  try {
    spec = JSON.parse(readFileSync(cascadePath, 'utf8')) as CascadeSpec;
  } catch (err) {
    throw new InputError(`${cascadePath}: not valid JSON (${(err as Error).message})`);
  }
  const src = await loadFrameSource(args.input as string);
  const aux = new Map<string, FrameSource>();
  for (const [name, file] of args.aux) {
    if (aux.has(name)) throw new InputError(`--aux ${name}: given twice`);
    aux.set(name, await loadFrameSource(file, { channel: 'ref' })); // .mcap: the recording's reference channel
  }
  const declared = spec && typeof spec === 'object' && spec.input && typeof spec.input === 'object' ? Object.keys(spec.input.aux ?? {}) : [];
  for (const name of declared) if (!aux.has(name)) throw new InputError(`the cascade needs aux input '${name}': pass --aux ${name}=FILE.npy`);
  for (const [name, s] of aux) {
    if (!declared.includes(name)) throw new InputError(`--aux ${name}: the cascade declares no aux input '${name}'${declared.length ? ` (declares: ${declared.join(', ')})` : ''}`);
    const want = spec.input.aux?.[name];
    if (want && s.shape.dtype !== want.dtype) throw new InputError(`--aux ${name}: ${s.describe}, but the cascade declares dtype ${want.dtype}`);
    if (s.shape.lines !== (want?.lines ?? src.shape.lines) || s.shape.samples !== (want?.samples ?? src.shape.samples)) {
      throw new InputError(`--aux ${name}: ${s.describe}; expected frames of ${want?.lines ?? src.shape.lines}×${want?.samples ?? src.shape.samples}`);
    }
    if (s.count !== 1 && s.count < src.count) throw new InputError(`--aux ${name}: ${s.count} frames for ${src.count} input frames (give 1 or at least ${src.count})`);
  }

  const proc = args.path === 'fast' ? await createFastProcessorOrExplain() : createTimedTsProcessor();
  try {
    const r = proc.configure(spec, src.shape);
    if (!r.ok) {
      // Validate on the TS side first so a plain spec error reads the same on both paths.
      const ts = proc.path === 'fast' ? createTsProcessor().configure(spec, src.shape) : r;
      if (!ts.ok) throw new InputError(`${cascadePath}: invalid cascade for ${src.describe}:\n  ${ts.errors.join('\n  ')}`);
      throw new InputError(`--path fast cannot run ${cascadePath}: ${r.errors.join('; ')} (use --path ts)`);
    }
    const frames = Math.min(src.count, args.frames ?? src.count);
    const outDir = resolve(args.out as string);
    mkdirSync(outDir, { recursive: true });

    const streams: [StageData, NpyStream][] = [];
    const display = proc.output('display');
    streams.push([display, new NpyStream(join(outDir, 'output.npy'), display.dtype, frameShapeOf(display, frames))]);
    if (args.dump) {
      const tsRefs = proc.stageRefs?.() ?? proc.stages.map((s) => s.id);
      for (const ref of tsRefs) {
        const d = proc.stage(ref);
        streams.push([d, new NpyStream(join(outDir, `${ref}.npy`), d.dtype, frameShapeOf(d, frames))]);
      }
    }

    const auxNames = [...aux.keys()];
    const frame = { input: src.frame(0), aux: {} as Record<string, SampleArray> };
    const sums = new Float64Array(proc.stages.length);
    let total = 0;
    for (let f = 0; f < frames; f++) {
      frame.input = src.frame(f);
      for (const n of auxNames) { const s = aux.get(n) as FrameSource; frame.aux[n] = s.frame(s.count === 1 ? 0 : f); }
      proc.run(frame);
      for (let i = 0; i < sums.length; i++) sums[i] += proc.stageMs[i];
      total += proc.totalMs;
      for (const [d, st] of streams) st.append(d.data);
      progress(f + 1, frames, total / (f + 1));
    }
    for (const [, st] of streams) st.close();
    const per = proc.stages.map((s, i) => `${s.id} ${(sums[i] / frames).toFixed(2)}`).join(', ');
    console.log(`processed ${frames} frame${frames > 1 ? 's' : ''} (${src.describe.replace(/^.*: /, '')}) with ${spec.name} on the ${proc.path} path: ${(total / frames).toFixed(2)} ms/frame (${per})`);
    console.log(`wrote ${streams.length} file${streams.length > 1 ? 's' : ''} to ${outDir}`);
    return 0;
  } finally {
    proc.dispose();
  }
}
