/**
 * `rfft` and `hilbert` on the same source share one set of pair FFTs per frame (pair-spectra.ts).
 * Sharing must not change any result, and a new frame (even in the same input buffer) must be
 * transformed again.
 */
import { describe, expect, it } from 'vitest';
import { createTsProcessor } from '../runner';
import type { CascadeSpec } from '../../shared/cascade-spec';
import type { StageSpec } from '../../shared/cascade-spec';

const N = 64;

function spec(lines: number, stages: StageSpec[]): CascadeSpec {
  return { name: 't', input: { lines, samples: N, dtype: 'float64' }, stages, outputs: { display: stages[stages.length - 1].id } };
}
const win: StageSpec = { id: 'w', type: 'window', input: 'input', params: { kind: 'hann' } };
const lm: StageSpec = { id: 'lm', type: 'rfft', input: 'w', params: { output: 'logmag' } };
const cx: StageSpec = { id: 'cx', type: 'rfft', input: 'w', params: { output: 'complex' } };
const env: StageSpec = { id: 'env', type: 'hilbert', input: 'w', params: { output: 'envelope' } };

function data(lines: number, seed: number): Float64Array {
  return Float64Array.from({ length: lines * N }, (_, i) => 1000 * Math.sin(0.3 * i * seed) + ((i * 7919 * seed) % 101));
}

/** Outputs of `ids` after running `frames` through one processor configured with `stages`. */
function run(lines: number, stages: StageSpec[], frames: Float64Array[], ids: string[]): number[][][] {
  const p = createTsProcessor();
  expect(p.configure(spec(lines, stages))).toEqual({ ok: true });
  const input = new Float64Array(lines * N); // one buffer, new contents every frame
  return frames.map((f) => {
    input.set(f);
    p.run({ input });
    return ids.map((id) => Array.from(p.stage(id).data));
  });
}

describe('pair spectra shared by rfft and hilbert', () => {
  for (const lines of [6, 5, 1]) {
    it(`gives the same results shared and alone, frame after frame (${lines} lines)`, () => {
      const frames = [data(lines, 1), data(lines, 2), data(lines, 3)];
      const shared = run(lines, [win, lm, cx, env], frames, ['lm', 'cx', 'env']);
      const lmAlone = run(lines, [win, lm], frames, ['lm']);
      const cxAlone = run(lines, [win, cx], frames, ['cx']);
      const envAlone = run(lines, [win, env], frames, ['env']);
      frames.forEach((_, f) => {
        expect(shared[f][0]).toEqual(lmAlone[f][0]);
        expect(shared[f][1]).toEqual(cxAlone[f][0]);
        expect(shared[f][2]).toEqual(envAlone[f][0]);
      });
      // each frame's result is its own (a stale spectrum would repeat frame 0)
      expect(shared[1][2]).not.toEqual(shared[0][2]);
      expect(shared[2][0]).not.toEqual(shared[1][0]);
    });
  }

  it('does not share between different sources or sizes', () => {
    const frames = [data(4, 1), data(4, 2)];
    const other: StageSpec = { id: 'x', type: 'hilbert', input: 'input', params: { output: 'envelope' } };
    const padded: StageSpec = { id: 'p', type: 'rfft', input: 'w', params: { output: 'logmag', nfft: 128 } };
    const both = run(4, [win, env, other, padded, lm], frames, ['env', 'x', 'p', 'lm']);
    const envAlone = run(4, [win, env], frames, ['env']);
    const otherAlone = run(4, [other], frames, ['x']);
    const paddedAlone = run(4, [win, padded], frames, ['p']);
    const lmAlone = run(4, [win, lm], frames, ['lm']);
    frames.forEach((_, f) => {
      expect(both[f][0]).toEqual(envAlone[f][0]);
      expect(both[f][1]).toEqual(otherAlone[f][0]);
      expect(both[f][2]).toEqual(paddedAlone[f][0]);
      expect(both[f][3]).toEqual(lmAlone[f][0]);
    });
  });
});
