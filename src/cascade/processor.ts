/**
 * The processor contract: what runs a cascade frame after frame.
 *
 * Two implementations exist and both must honour every rule here:
 * - the TypeScript reference path, `createTsProcessor()` in `./runner.ts` (float64, fft.js);
 * - the compiled fast path in `src/native/cascade-fast.ts` (C++ in `native/cascade`), exported as
 *   `createFastProcessor(): CascadeProcessor`.
 * Callers (`specula process`, the channel worker, the benchmark) only ever see this interface.
 *
 * Rules:
 * - `configure()` validates the spec (same errors as `validateCascade`) and allocates every buffer
 *   once. On failure it returns `{ ok: false, errors }` and the previous configuration stays active,
 *   so a bad edit in the UI never stops a running channel. It may be called between any two frames.
 * - `run()` allocates nothing (after the first couple of frames have warmed the JIT) and fills
 *   `stageMs` in place. Output views returned by `output()` / `stage()` stay valid and keep their
 *   identity until the next successful `configure()`; their contents are overwritten by each `run()`.
 * - Numbers: the TS path is float64 end to end and is the reference. A fast path may use float32
 *   internally; it must agree with the reference within the tolerances stated in docs/cascade.md
 *   (uint8 display: at most one level apart on a tiny fraction of pixels).
 */
import type { CascadeSpec, FrameShape, SampleDType } from '../shared/cascade-spec';

/** A typed array a frame or stage output can be held in. */
export type SampleArray = Uint8Array | Uint16Array | Float32Array | Float64Array;

/** A stage's (or an output's) data: a row-major `lines × samples` view, maybe complex interleaved. */
export interface StageData {
  /** Values; for `complex` data `data[2*i]` is the real and `data[2*i+1]` the imaginary part. */
  readonly data: SampleArray;
  readonly lines: number;
  readonly samples: number;
  readonly dtype: SampleDType;
  /** True when each sample is an interleaved (re, im) pair: `data.length === 2*lines*samples`. */
  readonly complex: boolean;
}

/** The inputs of one frame. Reuse the same object (and `aux` record) every frame: no allocation. */
export interface FrameInputs {
  /** Primary frame, `lines × samples` of the declared dtype. */
  input: SampleArray;
  /** Auxiliary frames by the names declared in `spec.input.aux` (e.g. `{ ref }`). */
  aux?: Record<string, SampleArray>;
}

/** Result of `configure()`. `errors` name the JSON path and the problem, one per line. */
export type ConfigureResult = { ok: true } | { ok: false; errors: string[] };

/** Identity of one configured stage, in run order (index into `stageMs`). */
export interface StageInfo {
  readonly id: string;
  readonly type: string;
}

export interface CascadeProcessor {
  /** Which implementation this is. */
  readonly path: 'ts' | 'fast';
  /**
   * (Re)configure from a cascade spec. `shape` overrides `spec.input`'s geometry/dtype (the live
   * device decides the frame size); aux frames without an explicit shape follow it.
   */
  configure(spec: CascadeSpec, shape?: FrameShape): ConfigureResult;
  /** True once a configuration has been accepted. */
  readonly configured: boolean;
  /** Stages of the active configuration in run order. */
  readonly stages: readonly StageInfo[];
  /** Milliseconds spent in each stage during the last `run()` (same order as `stages`). Reused array. */
  readonly stageMs: Float64Array;
  /** Milliseconds of the whole last `run()`. */
  readonly totalMs: number;
  /** Names of the outputs of the active configuration (`display` first). */
  readonly outputNames: readonly string[];
  /**
   * Process one frame. Throws (allocating an Error, which is fine: it is not the steady state) when
   * the inputs do not match the configured shapes or an aux frame is missing.
   */
  run(frame: FrameInputs): void;
  /** A named output of the cascade (`display`, …). Throws for an unknown name. */
  output(name: string): StageData;
  /** The output of a stage by id (or `id.port`), for stage dumps and verification. */
  stage(ref: string): StageData;
  /**
   * Optional: every ref `stage()` accepts, in run order, ports included (`['s1', …, 's7', 's7.dec']`).
   * Callers fall back to `stages.map(s => s.id)` when absent.
   */
  stageRefs?(): readonly string[];
  /** Release native resources (no-op on the TS path). */
  dispose(): void;
}
