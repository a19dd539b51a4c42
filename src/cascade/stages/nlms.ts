/**
 * `nlms`: normalised-LMS adaptive noise canceller with a reference channel (reference S6).
 * Per line, weights start at 0; for every sample n: u_k = r[n-k] (0 before the line start),
 * yhat = Σ w_k u_k, e = d - yhat, w_k += mu·e/(eps + Σ u_k²) · u_k, with r = reference - referenceOffset.
 * The energy Σ u_k² is the direct sum of the 16 squares at every sample (no running update, nothing
 * subtracted), as the definition says; for M = 16 the partial sums that neighbouring windows have
 * in common are formed once (`windowEnergy16`), which gives the same numbers bit for bit.
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
    const den = new Float64Array(N); // M = 16: eps + Σ u_k² for every sample of the line
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
          if (M === 16) {
            windowEnergy16(rp, N, eps, den);
            nlmsLine16(d, e, o, N, rp, den, mu, w);
            // an odd last sample: one step of the generic loop from the weights reached (same arithmetic)
            if (N % 2 === 1) nlmsLineGeneric(d, e, o, N, rp, w, M, mu, eps, prod, sq, N - 1);
          } else nlmsLineGeneric(d, e, o, N, rp, w, M, mu, eps, prod, sq, 0);
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

/** Samples n0..N-1 of one line from the weights in `w` (updated in place), any M. */
function nlmsLineGeneric(d: ArrayLike<number>, e: Float64Array, o: number, N: number, rp: Float64Array, w: Float64Array, M: number, mu: number, eps: number, prod: Float64Array, sq: Float64Array, n0: number): void {
  for (let n = n0; n < N; n++) {
    const base = n + M - 1;
    for (let k = 0; k < M; k++) { const u = rp[base - k]; prod[k] = w[k] * u; sq[k] = u * u; }
    const en = d[o + n] - pairwise(prod, M);
    e[o + n] = en;
    const g = (mu * en) / (eps + pairwise(sq, M));
    for (let k = 0; k < M; k++) w[k] += g * rp[base - k];
  }
}

/**
 * den[n] = eps + Σ_k u_k² for the 16-value window ending at sample n, recomputed for every n with
 * exactly the additions of the direct formula (numpy's pairwise order, see `nlmsLine16`):
 *   ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7)),  p_j = u_j² + u_{j+8}².
 * p_j at sample n is the same number as p_0 at sample n - j (same operands, same operation), so the
 * pair sums, and the sums of adjacent pairs, are formed once per sample and reused by the windows
 * that contain them: 1 multiply and 5 additions per sample instead of 16 and 15, bit-identical to
 * recomputing the sum from the 16 values. (Not a running sum: nothing is ever subtracted, so no
 * rounding error is carried from one sample to the next.)
 */
function windowEnergy16(rp: Float64Array, N: number, eps: number, den: Float64Array): void {
  // Sliding values, named by age: sq_a = r[m - a]², pair_a = p_0 at m - a, quad_a = pair_a + pair_(a+1), …
  let sq1 = 0, sq2 = 0, sq3 = 0, sq4 = 0, sq5 = 0, sq6 = 0, sq7 = 0, sq8 = 0;
  let pair1 = 0;
  let quad1 = 0, quad2 = 0;
  let oct1 = 0, oct2 = 0, oct3 = 0, oct4 = 0;
  // rp[0..14] are the zeros before the line start; m runs over rp, sample n = m - 15.
  for (let m = 0; m < N + 15; m++) {
    const v = rp[m];
    const sq0 = v * v;
    const pair0 = sq0 + sq8; // u_0² + u_8² of the window ending at m
    const quad0 = pair0 + pair1; // p0 + p1
    const oct0 = quad0 + quad2; // (p0 + p1) + (p2 + p3)
    if (m >= 15) den[m - 15] = eps + (oct0 + oct4); // + ((p4 + p5) + (p6 + p7))
    sq8 = sq7; sq7 = sq6; sq6 = sq5; sq5 = sq4; sq4 = sq3; sq3 = sq2; sq2 = sq1; sq1 = sq0;
    pair1 = pair0;
    quad2 = quad1; quad1 = quad0;
    oct4 = oct3; oct3 = oct2; oct2 = oct1; oct1 = oct0;
  }
}

/**
 * The M = 16 case of the reference, unrolled (same arithmetic as `nlmsLineGeneric`; the window
 * energies come precomputed in `den`), for samples 0..N-1 rounded down to even; leaves the weights
 * in `w`. The prediction sums the 16 products in numpy's pairwise order; the weights stay in locals.
 * Two samples per iteration: their windows share 15 values, so 17 loads serve both (each typed-array
 * load costs V8 an address computation and a bounds check).
 */
function nlmsLine16(d: ArrayLike<number>, e: Float64Array, o: number, N: number, rp: Float64Array, den: Float64Array, mu: number, w: Float64Array): void {
  let w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0, w7 = 0;
  let w8 = 0, w9 = 0, w10 = 0, w11 = 0, w12 = 0, w13 = 0, w14 = 0, w15 = 0;
  for (let n = 0; n + 1 < N; n += 2) {
    const b = n + 15;
    // v_k = r[n + 1 - k]: sample n's window is v1..v16, sample n + 1's is v0..v15
    const v0 = rp[b + 1], v1 = rp[b], v2 = rp[b - 1], v3 = rp[b - 2], v4 = rp[b - 3], v5 = rp[b - 4], v6 = rp[b - 5], v7 = rp[b - 6], v8 = rp[b - 7];
    const v9 = rp[b - 8], v10 = rp[b - 9], v11 = rp[b - 10], v12 = rp[b - 11], v13 = rp[b - 12], v14 = rp[b - 13], v15 = rp[b - 14], v16 = rp[b - 15];
    // sample n
    let yhat = ((w0 * v1 + w8 * v9) + (w1 * v2 + w9 * v10) + ((w2 * v3 + w10 * v11) + (w3 * v4 + w11 * v12)))
      + (((w4 * v5 + w12 * v13) + (w5 * v6 + w13 * v14)) + ((w6 * v7 + w14 * v15) + (w7 * v8 + w15 * v16)));
    let en = d[o + n] - yhat;
    e[o + n] = en;
    let g = (mu * en) / den[n];
    w0 += g * v1; w1 += g * v2; w2 += g * v3; w3 += g * v4; w4 += g * v5; w5 += g * v6; w6 += g * v7; w7 += g * v8;
    w8 += g * v9; w9 += g * v10; w10 += g * v11; w11 += g * v12; w12 += g * v13; w13 += g * v14; w14 += g * v15; w15 += g * v16;
    // sample n + 1
    yhat = ((w0 * v0 + w8 * v8) + (w1 * v1 + w9 * v9) + ((w2 * v2 + w10 * v10) + (w3 * v3 + w11 * v11)))
      + (((w4 * v4 + w12 * v12) + (w5 * v5 + w13 * v13)) + ((w6 * v6 + w14 * v14) + (w7 * v7 + w15 * v15)));
    en = d[o + n + 1] - yhat;
    e[o + n + 1] = en;
    g = (mu * en) / den[n + 1];
    w0 += g * v0; w1 += g * v1; w2 += g * v2; w3 += g * v3; w4 += g * v4; w5 += g * v5; w6 += g * v6; w7 += g * v7;
    w8 += g * v8; w9 += g * v9; w10 += g * v10; w11 += g * v11; w12 += g * v12; w13 += g * v13; w14 += g * v14; w15 += g * v15;
  }
  w[0] = w0; w[1] = w1; w[2] = w2; w[3] = w3; w[4] = w4; w[5] = w5; w[6] = w6; w[7] = w7;
  w[8] = w8; w[9] = w9; w[10] = w10; w[11] = w11; w[12] = w12; w[13] = w13; w[14] = w14; w[15] = w15;
}
