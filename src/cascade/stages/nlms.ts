/**
 * `nlms`: normalised-LMS adaptive noise canceller with a reference channel (reference S6).
 * Per line, weights start at 0; for every sample n: u_k = r[n-k] (0 before the line start),
 * yhat = Σ w_k u_k, e = d - yhat, w_k += mu·e/(eps + Σ u_k²) · u_k, with r = reference - referenceOffset.
 * The energy Σ u_k² is recomputed directly at every sample (no running update), as the definition says.
 * Sums follow numpy's pairwise order for ≥ 8 terms (8 partial sums) so results match the peer to
 * the last bit where possible — and 8 independent accumulators are also what makes the loop fast.
 */
import { defineStage, allocData, f64Shape } from '../stage';

export const nlms = defineStage({
  type: 'nlms',
  doc: 'NLMS adaptive canceller: subtracts the part of the input predictable from aux "reference".',
  accepts: 'real',
  aux: ['reference'],
  params: {
    taps: { kind: 'int', min: 1, max: 128, default: 16, doc: 'filter length M' },
    mu: { kind: 'number', min: 0, max: 2, default: 0.5, doc: 'step size' },
    eps: { kind: 'number', min: 0, default: 1e-6, doc: 'regulariser added to the reference energy' },
    referenceOffset: { kind: 'number', default: 0, doc: 'subtracted from the reference (e.g. 32768 for an offset uint16 channel)' },
  },
  shape(inp, _p, aux) {
    const r = aux[0];
    if (r.complex) return 'aux.reference: expected real data, got complex';
    if (r.lines !== inp.lines || r.samples !== inp.samples) return `aux.reference: expected ${inp.lines}×${inp.samples} like the input, got ${r.lines}×${r.samples}`;
    return { out: f64Shape(inp.lines, inp.samples) };
  },
  create(inp, p) {
    const L = inp.lines;
    const N = inp.samples;
    const M = p.taps;
    const out = allocData(f64Shape(L, N));
    const e = out.data as Float64Array;
    const rp = new Float64Array(N + M - 1); // reference line with M-1 leading zeros
    const w = new Float64Array(M);
    const prod = new Float64Array(M);
    const sq = new Float64Array(M);
    const { mu, eps, referenceOffset: off } = p;
    const P = M - 1;
    return {
      out,
      run(d, aux) {
        const ref = aux[0];
        for (let l = 0; l < L; l++) {
          const o = l * N;
          for (let n = 0; n < N; n++) rp[P + n] = ref[o + n] - off;
          w.fill(0);
          if (M === 16) nlmsLine16(d, e, o, N, rp, w, mu, eps);
          else nlmsLineGeneric(d, e, o, N, rp, w, M, mu, eps, prod, sq);
        }
      },
    };
  },
});

/** numpy's pairwise sum of a[0..n) for n ≤ 128 (umath loops: 8 partial sums when n ≥ 8). */
function pairwise(a: Float64Array, n: number): number {
  if (n < 8) {
    let r = 0;
    for (let i = 0; i < n; i++) r += a[i];
    return r;
  }
  let r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
  let i = 8;
  for (; i < n - (n % 8); i += 8) {
    r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3];
    r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7];
  }
  let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
  for (; i < n; i++) res += a[i];
  return res;
}

function nlmsLineGeneric(d: ArrayLike<number>, e: Float64Array, o: number, N: number, rp: Float64Array, w: Float64Array, M: number, mu: number, eps: number, prod: Float64Array, sq: Float64Array): void {
  for (let n = 0; n < N; n++) {
    const base = n + M - 1;
    for (let k = 0; k < M; k++) { const u = rp[base - k]; prod[k] = w[k] * u; sq[k] = u * u; }
    const en = d[o + n] - pairwise(prod, M);
    e[o + n] = en;
    const g = (mu * en) / (eps + pairwise(sq, M));
    for (let k = 0; k < M; k++) w[k] += g * rp[base - k];
  }
}

/** The M = 16 case of the reference, unrolled (same arithmetic as `nlmsLineGeneric`). */
function nlmsLine16(d: ArrayLike<number>, e: Float64Array, o: number, N: number, rp: Float64Array, w: Float64Array, mu: number, eps: number): void {
  let w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0, w7 = 0;
  let w8 = 0, w9 = 0, w10 = 0, w11 = 0, w12 = 0, w13 = 0, w14 = 0, w15 = 0;
  for (let n = 0; n < N; n++) {
    const b = n + 15;
    const u0 = rp[b], u1 = rp[b - 1], u2 = rp[b - 2], u3 = rp[b - 3], u4 = rp[b - 4], u5 = rp[b - 5], u6 = rp[b - 6], u7 = rp[b - 7];
    const u8 = rp[b - 8], u9 = rp[b - 9], u10 = rp[b - 10], u11 = rp[b - 11], u12 = rp[b - 12], u13 = rp[b - 13], u14 = rp[b - 14], u15 = rp[b - 15];
    const yhat = ((w0 * u0 + w8 * u8) + (w1 * u1 + w9 * u9) + ((w2 * u2 + w10 * u10) + (w3 * u3 + w11 * u11)))
      + (((w4 * u4 + w12 * u12) + (w5 * u5 + w13 * u13)) + ((w6 * u6 + w14 * u14) + (w7 * u7 + w15 * u15)));
    const en2 = ((u0 * u0 + u8 * u8) + (u1 * u1 + u9 * u9) + ((u2 * u2 + u10 * u10) + (u3 * u3 + u11 * u11)))
      + (((u4 * u4 + u12 * u12) + (u5 * u5 + u13 * u13)) + ((u6 * u6 + u14 * u14) + (u7 * u7 + u15 * u15)));
    const en = d[o + n] - yhat;
    e[o + n] = en;
    const g = (mu * en) / (eps + en2);
    w0 += g * u0; w1 += g * u1; w2 += g * u2; w3 += g * u3; w4 += g * u4; w5 += g * u5; w6 += g * u6; w7 += g * u7;
    w8 += g * u8; w9 += g * u9; w10 += g * u10; w11 += g * u11; w12 += g * u12; w13 += g * u13; w14 += g * u14; w15 += g * u15;
  }
  w[0] = w0; w[1] = w1; w[2] = w2; w[3] = w3; w[4] = w4; w[5] = w5; w[6] = w6; w[7] = w7;
  w[8] = w8; w[9] = w9; w[10] = w10; w[11] = w11; w[12] = w12; w[13] = w13; w[14] = w14; w[15] = w15;
}
