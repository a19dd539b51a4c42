/**
 * The unrolled M = 16 NLMS (two samples per iteration, window energies from shared partial sums)
 * against the definition written out directly: u_k = r[n-k], energy = the 16 squares summed in
 * numpy's pairwise order at every sample, w_k += (mu·e / (eps + energy))·u_k. Bit for bit, for even
 * and odd line lengths (the odd last sample goes through the generic loop).
 */
import { describe, expect, it } from 'vitest';
import { createTsProcessor } from '../runner';
import type { CascadeSpec } from '../../shared/cascade-spec';

const MU = 0.5;
const EPS = 1e-6;
const OFF = 32768;

/** numpy's pairwise sum of 16 values (8 partial sums). */
const sum16 = (a: number[]) => {
  const r = Array.from({ length: 8 }, (_, j) => a[j] + a[j + 8]);
  return ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
};

function direct(d: Float64Array, ref: Uint16Array, L: number, N: number): Float64Array {
  const e = new Float64Array(L * N);
  for (let l = 0; l < L; l++) {
    const w = new Array<number>(16).fill(0);
    for (let n = 0; n < N; n++) {
      const u = Array.from({ length: 16 }, (_, k) => (n - k >= 0 ? ref[l * N + n - k] - OFF : 0));
      const yhat = sum16(w.map((wk, k) => wk * u[k]));
      const en = d[l * N + n] - yhat;
      e[l * N + n] = en;
      const g = (MU * en) / (EPS + sum16(u.map((x) => x * x)));
      for (let k = 0; k < 16; k++) w[k] += g * u[k];
    }
  }
  return e;
}

function spec(L: number, N: number): CascadeSpec {
  return {
    name: 'nlms16',
    input: { lines: L, samples: N, dtype: 'float64', aux: { ref: { dtype: 'uint16' } } },
    stages: [{ id: 'e', type: 'nlms', input: 'input', aux: { reference: 'aux:ref' }, params: { taps: 16, mu: MU, eps: EPS, referenceOffset: OFF } }],
    outputs: { display: 'e' },
  };
}

describe('nlms, M = 16', () => {
  for (const [L, N] of [[3, 64], [2, 37], [2, 17], [1, 16], [2, 15], [1, 2], [1, 1]]) {
    it(`equals the direct definition bit for bit on ${L}×${N}`, () => {
      // a hum-like reference with noise and a primary that contains part of it
      const ref = Uint16Array.from({ length: L * N }, (_, i) => Math.round(OFF + 6000 * Math.sin(0.25 * i + 0.7) + ((i * 7919) % 97) - 48));
      const d = Float64Array.from({ length: L * N }, (_, i) => 320 * Math.sin(0.25 * i) + ((i * 104729) % 61) - 30);
      const p = createTsProcessor();
      expect(p.configure(spec(L, N))).toEqual({ ok: true });
      p.run({ input: d, aux: { ref } });
      const got = Array.from(p.output('display').data);
      const want = Array.from(direct(d, ref, L, N));
      expect(got).toEqual(want);
      // and the canceller did something (the test would not notice a stage that copies d otherwise)
      if (N >= 64) expect(got.slice(-16).reduce((a, v) => a + v * v, 0)).toBeLessThan(Array.from(d.slice(-16)).reduce((a, v) => a + v * v, 0));
    });
  }
});
