/**
 * Stages that process several lines at once (sosfilt: 2 interleaved, 2 sections per pass, bit-exact; hilbert and rfft: 2 per
 * complex FFT, equal to rounding) must give the same result for a line whatever its neighbours and whether it
 * falls in a full group or the remainder.
 */
import { describe, expect, it } from 'vitest';
import { createTsProcessor } from '../runner';
import type { CascadeSpec } from '../../shared/cascade-spec';

function spec(lines: number, type: string, params: Record<string, unknown>): CascadeSpec {
  return { name: 't', input: { lines, samples: 64, dtype: 'float64' }, stages: [{ id: 'a', type, input: 'input', params }], outputs: { display: 'a' } };
}

const data = Float64Array.from({ length: 9 * 64 }, (_, i) => Math.sin(i * 0.37) * 100 + ((i * 7919) % 13));

const close = (a: number[], b: number[], tol: number) => {
  const scale = Math.max(...b.map(Math.abs));
  return a.every((v, i) => Math.abs(v - b[i]) <= tol * scale);
};

for (const [type, params, tol] of [
  ['sosfilt', { order: 4, cutoff: [0.05, 0.6], btype: 'bandpass' }, 0],
  ['sosfilt', { order: 5, cutoff: [0.3], btype: 'lowpass' }, 0], // 3 sections: a pair and a single
  ['hilbert', { output: 'envelope' }, 1e-13],
  ['rfft', { output: 'logmag' }, 1e-13],
  ['rfft', { output: 'complex', nfft: 128 }, 1e-13],
  ['hilbert', { output: 'analytic' }, 1e-13],
] as const) {
  describe(`${type} ${JSON.stringify(params)}`, () => {
    it('gives each line the same result for 9, 8, 5 and 1 lines', () => {
      const results = [9, 8, 5, 1].map((lines) => {
        const p = createTsProcessor();
        expect(p.configure(spec(lines, type, params))).toEqual({ ok: true });
        p.run({ input: data.slice(0, lines * 64) });
        return Array.from(p.output('display').data);
      });
      const per = results[3].length; // values per line
      for (const r of results) for (let l = 0; l < r.length / per; l++) {
        const a = r.slice(l * per, (l + 1) * per);
        const b = results[0].slice(l * per, (l + 1) * per);
        if (tol === 0) expect(a).toEqual(b); else expect(close(a, b, tol), `line ${l}`).toBe(true);
      }
      // a single line (processed alone / unpaired) equals line 0 of every larger run
      for (const r of results) {
        if (tol === 0) expect(r.slice(0, per)).toEqual(results[3]); else expect(close(r.slice(0, per), results[3], tol)).toBe(true);
      }
    });
  });
}
