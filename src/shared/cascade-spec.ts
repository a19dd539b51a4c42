/**
 * The cascade file format: a JSON document naming a chain (a small DAG) of DSP stages.
 *
 * One contract for every path that runs a cascade (the TypeScript reference path in `src/cascade`,
 * the compiled fast path in `native/cascade`, the per-channel worker and the UI editor). Validation
 * lives in `src/cascade/validate.ts`; this file only holds the types and the naming rules.
 *
 * Wiring rules:
 * - `stages` run in file order. A stage's `input` (and each value of its `aux`) names where its data
 *   comes from: `'input'` (the primary frame), `'aux:NAME'` (a frame from another channel, declared
 *   in `input.aux`), or the id of an EARLIER stage (optionally `id.port` for a stage's secondary
 *   output, e.g. `s7.dec`). Referring to a later stage is an error, so a valid cascade has no cycles.
 * - `outputs` maps an output name to a stage reference; `outputs.display` is required and is what
 *   the channel shows.
 *
 * Example (shortened): `{ "name": "light", "input": { "lines": 600, "samples": 1024, "dtype": "uint16" },
 *   "stages": [ { "id": "s1", "type": "background", "input": "input", "params": { "mode": "frame-mean" } }, ... ],
 *   "outputs": { "display": "s7" } }`
 */

/** Sample types a cascade input or a stage output may hold (NumPy names). */
export type SampleDType = 'uint8' | 'uint16' | 'float32' | 'float64';

export const SAMPLE_DTYPES: readonly SampleDType[] = ['uint8', 'uint16', 'float32', 'float64'];

/** Geometry of one frame: `lines` rows of `samples` contiguous values (row-major). */
export interface FrameShape {
  lines: number;
  samples: number;
  dtype: SampleDType;
}

/** Declared input of a cascade. `aux` frames default to the primary frame's geometry. */
export interface CascadeInputSpec extends FrameShape {
  /** Auxiliary frames by name (e.g. `ref` for the hum reference channel), used as `'aux:NAME'`. */
  aux?: Record<string, Partial<FrameShape> & { dtype: SampleDType }>;
}

/** One stage of a cascade. `params` are checked against the stage type's schema. */
export interface StageSpec {
  /** Unique id, `[A-Za-z_][A-Za-z0-9_-]*`; used in outputs, stage dumps and timings. */
  id: string;
  /** Stage type, one of the library's (`src/cascade/stages/index.ts`). */
  type: string;
  /** Where the main input comes from: `'input'`, `'aux:NAME'`, or an earlier stage (`id` / `id.port`). */
  input: string;
  /** Named secondary inputs (e.g. NLMS `{ "reference": "aux:ref" }`), same reference syntax. */
  aux?: Record<string, string>;
  /** Stage parameters; missing ones take the stage's documented defaults. */
  params?: Record<string, unknown>;
  /** Free text for humans. */
  note?: string;
}

/** A whole cascade file. */
export interface CascadeSpec {
  name: string;
  description?: string;
  input: CascadeInputSpec;
  stages: StageSpec[];
  /** Output name → stage reference. `display` is required. */
  outputs: { display: string } & Record<string, string>;
}

/** Reference prefix for auxiliary inputs (`'aux:ref'`). */
export const AUX_PREFIX = 'aux:';
/** Reference to the primary frame. */
export const INPUT_REF = 'input';
/** Pattern every stage id must match. */
export const STAGE_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
