/**
 * What a stage type is, for the TypeScript reference path.
 *
 * A stage type declares its parameter schema, the aux inputs it needs, how its output shape follows
 * from its input shape (so a cascade can be checked without allocating) and a `create` that
 * allocates every buffer once and returns a kernel whose `run` allocates nothing.
 */
import type { SampleDType } from '../shared/cascade-spec';
import type { ParamSchema, ParamsOf } from './params';
import type { SampleArray, StageData } from './processor';
import type { PairSpectra } from './stages/pair-spectra';

/** Shape of data flowing between stages. */
export interface DataShape {
  lines: number;
  samples: number;
  dtype: SampleDType;
  complex: boolean;
}

/** A configured stage: its output buffers and the per-frame work. */
export interface StageKernel {
  /** Main output (what `'<id>'` refers to). Allocated once in `create`. */
  readonly out: StageData;
  /** Secondary outputs (what `'<id>.<port>'` refers to). */
  readonly ports?: Readonly<Record<string, StageData>>;
  /** Process one frame. `aux[i]` is the data for the stage type's `aux[i]` name. Must not allocate. */
  run(input: SampleArray, aux: readonly SampleArray[]): void;
  /** Forget history (temporal stages) — called on reconfigure with an unchanged stage, never per frame. */
  reset?(): void;
}

/**
 * What the runner offers a stage while it is created (one per stage): work shared between the
 * stages of one configuration. Stages that need none ignore it.
 */
export interface BuildContext {
  /**
   * Complex FFTs (size `nfft`) of the line pairs of this stage's main input, one object for all
   * stages that read the same source with the same `nfft`; call `pair(x, p)` in `run`.
   */
  pairSpectra(nfft: number): PairSpectra;
}

export interface StageDef<S extends ParamSchema = ParamSchema> {
  readonly type: string;
  /** One-line description for docs and the UI. */
  readonly doc: string;
  readonly params: S;
  /** Names of the aux inputs this stage needs (e.g. `['reference']`), in the order `run` receives them. */
  readonly aux?: readonly string[];
  /** Which kinds of input it takes. */
  readonly accepts: 'real' | 'complex' | 'any';
  /**
   * Output shape (and port shapes) for an input shape, or an error message of the form
   * `params.<name>: problem` / `input: problem` (the caller prefixes `stages[i].`).
   */
  shape(input: DataShape, p: ParamsOf<S>, aux: readonly DataShape[]): { out: DataShape; ports?: Record<string, DataShape> } | string;
  /** Allocate buffers and return the kernel. Only called after `shape` succeeded. */
  create(input: DataShape, p: ParamsOf<S>, aux: readonly DataShape[], ctx: BuildContext): StageKernel;
}

/** Helper keeping the param type of a stage definition inferred. */
export function defineStage<S extends ParamSchema>(def: StageDef<S>): StageDef<S> {
  return def;
}

/** Allocate a stage output buffer. */
export function allocData(shape: DataShape): StageData & { data: SampleArray } {
  const n = shape.lines * shape.samples * (shape.complex ? 2 : 1);
  let data: SampleArray;
  switch (shape.dtype) {
    case 'uint8': data = new Uint8Array(n); break;
    case 'uint16': data = new Uint16Array(n); break;
    case 'float32': data = new Float32Array(n); break;
    default: data = new Float64Array(n);
  }
  return { data, lines: shape.lines, samples: shape.samples, dtype: shape.dtype, complex: shape.complex };
}

/** Real float64 output of the given geometry. */
export function f64Shape(lines: number, samples: number, complex = false): DataShape {
  return { lines, samples, dtype: 'float64', complex };
}

export function isPow2(n: number): boolean {
  return n >= 2 && (n & (n - 1)) === 0;
}
