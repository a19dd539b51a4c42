/**
 * Typed contract and loader of the fast-path addon `build/Release/specula_cascade.node`
 * (C++ in `native/cascade/`, one fused float32 SIMD kernel of the reference cascade S1–S7, S4/S5/S6 optional: AVX2+FMA,
 * 8 lines per vector, or AVX-512F/DQ, 16 lines per vector, chosen at run time from the CPU).
 * Only `cascade-fast.ts` uses it; everybody else goes through `createFastProcessor()`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Parameters of the fused kernel (validated again in C++; bad values throw RangeError/TypeError). */
export interface RefCascadeParams {
  lines: number;
  /** Power of two, 16..65536. */
  samples: number;
  /** Second-order sections `[b0, b1, b2, a0, a1, a2]` with a0 === 1 (1..8 sections; unused without S5). */
  sos?: number[][];
  /**
   * Optional stages (default true): S4 Hilbert envelope, S5 band-pass, S6 NLMS (needs S5). S1–S3
   * and S7 always run. A switched-off stage's parameters are ignored, its outputs cannot be bound,
   * and without S6 `run()` takes `null` for the reference channel.
   */
  hilbert?: boolean;
  sosfilt?: boolean;
  nlms?: boolean;
  taps?: number;
  mu?: number;
  /** Must be > 0. */
  eps?: number;
  floor?: number;
  /** S3 dB factor: logmag = db·log10(max(|X|, floor)). */
  db?: number;
  refOffset?: number;
  loDb?: number;
  hiDb?: number;
  outLines?: number;
  outSamples?: number;
  /** S7 bins [sampleStart, sampleEnd) of the N/2+1 spectrum bins (default: all). */
  sampleStart?: number;
  sampleEnd?: number;
}

/** Output targets; each optional, exact lengths checked by `bind`. */
export interface RefCascadeOutputs {
  x?: Float32Array;
  xw?: Float32Array;
  logmag?: Float32Array;
  env?: Float32Array;
  y?: Float32Array;
  e?: Float32Array;
  dec?: Float32Array;
  u8?: Uint8Array;
}

/** Bits of the `mask` argument of `run`, in the order of RefCascadeOutputs. */
export const OutBit = { x: 1, xw: 2, logmag: 4, env: 8, y: 16, e: 32, dec: 64, u8: 128 } as const;
export type OutName = keyof typeof OutBit;
/** Kernel stage order of the `stageMs` it fills: S1..S7. */
export const KERNEL_STAGES = 7;

export interface RefCascade {
  /** Hold references to the output arrays (replaces any previous binding). */
  bind(outputs: RefCascadeOutputs): void;
  /**
   * One frame: `raw`, `ref` are lines×samples Uint16Array (`ref` may be null when S6 is off). Writes the bound outputs selected by
   * `mask` (stages whose outputs nobody asked for are skipped), S1..S7 ms into `stageMs` (see
   * `setStageOrder`) and, when given, the whole call's ms into `totalMs[0]` (timed in C++, so the JS
   * side needs no clock and allocates nothing).
   */
  run(raw: Uint16Array, ref: Uint16Array | null, mask: number, stageMs: Float64Array, totalMs?: Float64Array): void;
  /**
   * Kernel stage k (S1..S7) reports into `stageMs[order[k]]`, or nowhere when `order[k]` is -1
   * (default: identity). `run()` then requires `stageMs.length > max(order)`.
   */
  setStageOrder(order: readonly number[]): void;
  /**
   * "avx512" when S2–S6 run 16 lines per AVX-512 vector, "avx2" (8 lines) otherwise. Chosen at construction
   * from the CPU; `SPECULA_CASCADE_ISA=avx2` in the environment forces "avx2" (tests use it to
   * check that both give identical results).
   */
  isa(): 'avx2' | 'avx512';
  /** Free the kernel's buffers now (the object is unusable afterwards). */
  dispose(): void;
}

export interface CascadeAddon {
  /** False when the CPU lacks AVX2/FMA (constructing RefCascade then throws). */
  available: boolean;
  simd: string;
  unavailableReason: string | null;
  stageCount: number;
  RefCascade: new (params: RefCascadeParams) => RefCascade;
  /**
   * `out[index] = ` CLOCK_MONOTONIC in ms (the engine's `monotonicNs() / 1e6`), allocation-free; throws
   * TypeError for a non-Float64Array and RangeError for an index outside it. Present on every CPU
   * (it is compiled without AVX), also when `available` is false. Used as the TS runner's stage
   * stamp (cascade-fast-clock.ts).
   */
  stampMs(out: Float64Array, index: number): void;
}

const ADDON = join('build', 'Release', 'specula_cascade.node');
/** The loaded module, whether or not its kernel can run on this CPU. */
let cached: CascadeAddon | null = null;

function findAddon(): string | null {
  const env = process.env.SPECULA_CASCADE_PATH;
  if (env) return existsSync(env) ? resolve(env) : null;
  const starts: string[] = [];
  try {
    starts.push(dirname(fileURLToPath(import.meta.url)));
  } catch {
    /* bundled without a file: URL */
  }
  starts.push(process.cwd());
  for (const start of starts) {
    let dir = resolve(start);
    for (;;) {
      const p = join(dir, ADDON);
      if (existsSync(p)) return p;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return null;
}

/**
 * The module itself, or why it cannot be loaded (not built, fails to load), whether or not this CPU
 * can run its kernel (`available`). Loaded once per process; a failure is not cached (the addon may
 * appear later, e.g. after `npm run build:native`).
 */
export function loadCascadeModule(): { addon: CascadeAddon } | { addon: null; reason: string } {
  if (cached) return { addon: cached };
  const path = findAddon();
  if (!path) return { addon: null, reason: `fast path unavailable: ${ADDON} not found (run \`npm run build:native\`)` };
  try {
    cached = createRequire(import.meta.url)(path) as CascadeAddon;
    return { addon: cached };
  } catch (e) {
    return { addon: null, reason: `fast path unavailable: ${path} failed to load: ${(e as Error).message}` };
  }
}

/**
 * The addon, or an explanation of why its kernel cannot be used (not built, fails to load, CPU
 * without AVX2/FMA). configure() calls it (not a hot path).
 */
export function loadCascadeAddon(): { addon: CascadeAddon } | { addon: null; reason: string } {
  const loaded = loadCascadeModule();
  if (!loaded.addon) return loaded;
  if (!loaded.addon.available) return { addon: null, reason: `fast path unavailable: ${loaded.addon.unavailableReason ?? 'CPU not supported'}` };
  return loaded;
}
