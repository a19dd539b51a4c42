/**
 * Golden-case runner shared by both cascade paths: runs every case of `cases.json` (written by
 * scripts/golden/make_golden.py with NumPy/SciPy) on a `CascadeProcessor` and compares each checked
 * stage with its expected array. Pure TS: the caller supplies `read(file) → bytes`.
 *
 * Tolerances per expectation: float data passes when |got - want| ≤ atol + rtol·|want| for every
 * element (numpy.allclose); uint8 data when no pixel differs by more than `maxLevelDiff` and at most
 * `maxFraction` of the pixels differ at all. A fast path may pass `loosen` to widen float tolerances
 * (float32 arithmetic) — the uint8 rule stays as stated in the issue.
 */
import type { CascadeSpec } from '../../shared/cascade-spec';
import { readNpy, type NpyArray } from '../../shared/npy';
import type { CascadeProcessor, SampleArray } from '../processor';

export interface GoldenExpect {
  ref: string;
  file: string;
  rtol?: number;
  atol?: number;
  maxLevelDiff?: number;
  maxFraction?: number;
}

export interface GoldenCase {
  name: string;
  doc: string;
  frames: number;
  cascade: CascadeSpec;
  input: string;
  aux: Record<string, string>;
  expect: GoldenExpect[];
}

export interface GoldenFile {
  generator: string;
  numpy: string;
  scipy: string;
  cases: GoldenCase[];
}

export interface GoldenFailure {
  case: string;
  ref: string;
  message: string;
}

/** Compare `got` with `want` under the expectation's tolerance; return a message or null. */
export function compare(got: ArrayLike<number>, want: NpyArray, e: GoldenExpect, loosen = 1): string | null {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  if (want instanceof Uint8Array) {
    const maxDiff = e.maxLevelDiff ?? 0;
    let differ = 0;
    let worst = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i] - want[i]);
      if (d > 0) differ++;
      if (d > worst) worst = d;
    }
    const frac = differ / want.length;
    if (worst > maxDiff || frac > (e.maxFraction ?? 0)) return `uint8: ${differ} of ${want.length} pixels differ (max ${worst} levels); allowed ≤ ${maxDiff} levels on ≤ ${(e.maxFraction ?? 0) * 100}%`;
    return null;
  }
  const rtol = (e.rtol ?? 0) * loosen;
  const atol = (e.atol ?? 0) * loosen;
  let bad = 0;
  let first = -1;
  let worstRel = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    const ok = d <= atol + rtol * Math.abs(want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i])) || got[i] === want[i];
    if (!ok) {
      bad++;
      if (first < 0) first = i;
      worstRel = Math.max(worstRel, d / (Math.abs(want[i]) || 1));
    }
  }
  if (bad) return `${bad} of ${want.length} values outside atol ${atol} + rtol ${rtol}; first at [${first}]: got ${got[first]}, want ${want[first]} (worst rel. diff ${worstRel.toExponential(2)})`;
  return null;
}

/** Frame `f` (of a stack file) as the typed array the processor expects. */
function frameOf(a: NpyArray, f: number, size: number): SampleArray {
  return a.subarray(f * size, (f + 1) * size) as SampleArray;
}

/**
 * Run one case. `frames` > 1 cases have (F, L, N) input stacks and (F, ...) expectations, checked
 * after every frame. Returns the failures (empty = pass).
 */
export function runGoldenCase(c: GoldenCase, proc: CascadeProcessor, read: (file: string) => Uint8Array, loosen = 1): GoldenFailure[] {
  const fails: GoldenFailure[] = [];
  const r = proc.configure(c.cascade);
  if (!r.ok) return [{ case: c.name, ref: '(configure)', message: r.errors.join('; ') }];
  const size = c.cascade.input.lines * c.cascade.input.samples;
  const inp = readNpy(read(c.input)).data;
  const aux: Record<string, NpyArray> = {};
  for (const [k, f] of Object.entries(c.aux)) aux[k] = readNpy(read(f)).data;
  const expected = c.expect.map((e) => readNpy(read(e.file)).data);
  const frame = { input: inp as SampleArray, aux: {} as Record<string, SampleArray> };
  for (let f = 0; f < c.frames; f++) {
    frame.input = frameOf(inp, f, size);
    for (const k of Object.keys(aux)) frame.aux[k] = frameOf(aux[k], f, size);
    proc.run(frame);
    c.expect.forEach((e, i) => {
      const d = proc.stage(e.ref);
      const per = expected[i].length / c.frames;
      const want = expected[i].subarray(f * per, (f + 1) * per) as NpyArray;
      const msg = compare(d.data, want, e, loosen);
      if (msg) fails.push({ case: c.name, ref: `${e.ref}${c.frames > 1 ? ` (frame ${f})` : ''}`, message: msg });
    });
  }
  return fails;
}
