/**
 * `median`: 2-D median filter with zero padding at the edges (scipy.signal.medfilt2d semantics);
 * a 3×3 kernel is the usual despeckle. A 1×K kernel filters along samples only, K×1 along lines.
 */
import { defineStage, allocData, f64Shape } from '../stage';

export const median = defineStage({
  type: 'median',
  doc: 'Median filter / despeckle, kernel lines×samples (odd sizes), zero-padded edges like scipy.signal.medfilt2d.',
  accepts: 'real',
  params: {
    lines: { kind: 'int', min: 1, max: 15, default: 3, doc: 'kernel height (odd)' },
    samples: { kind: 'int', min: 1, max: 15, default: 3, doc: 'kernel width (odd)' },
  },
  shape(inp, p) {
    if (p.lines % 2 === 0) return `params.lines: expected an odd kernel size, got ${p.lines}`;
    if (p.samples % 2 === 0) return `params.samples: expected an odd kernel size, got ${p.samples}`;
    return { out: f64Shape(inp.lines, inp.samples) };
  },
  create(inp, p) {
    const L = inp.lines;
    const N = inp.samples;
    const out = allocData(f64Shape(L, N));
    const y = out.data as Float64Array;
    const hl = (p.lines - 1) >> 1;
    const hs = (p.samples - 1) >> 1;
    const K = p.lines * p.samples;
    const buf = new Float64Array(K);
    const mid = K >> 1;
    const is3x3 = p.lines === 3 && p.samples === 3;
    return {
      out,
      run(x) {
        // 3×3 (despeckle): a 19-comparison median network on interior pixels; edges below.
        if (is3x3 && L >= 3 && N >= 3) {
          for (let l = 1; l < L - 1; l++) median3x3Row(x, y, l, N);
        }
        for (let l = 0; l < L; l++) {
          const interiorRow = is3x3 && l > 0 && l < L - 1 && N >= 3;
          for (let n = 0; n < N; n++) {
            if (interiorRow && n > 0 && n < N - 1) continue;
            // Gather with insertion sort (kernels are small).
            let c = 0;
            for (let dl = -hl; dl <= hl; dl++) {
              const ll = l + dl;
              for (let dn = -hs; dn <= hs; dn++) {
                const nn = n + dn;
                const v = ll < 0 || ll >= L || nn < 0 || nn >= N ? 0 : x[ll * N + nn];
                let j = c++;
                while (j > 0 && buf[j - 1] > v) { buf[j] = buf[j - 1]; j--; }
                buf[j] = v;
              }
            }
            y[l * N + n] = buf[mid];
          }
        }
      },
    };
  },
});

/** Median of the 3×3 neighbourhood for the interior pixels of line l (Paeth's median-of-9 network). */
function median3x3Row(x: ArrayLike<number>, y: Float64Array, l: number, N: number): void {
  const a = (l - 1) * N;
  const b = l * N;
  const c = (l + 1) * N;
  for (let n = 1; n < N - 1; n++) {
    let p0 = x[a + n - 1], p1 = x[a + n], p2 = x[a + n + 1];
    let p3 = x[b + n - 1], p4 = x[b + n], p5 = x[b + n + 1];
    let p6 = x[c + n - 1], p7 = x[c + n], p8 = x[c + n + 1];
    let t: number;
    if (p1 > p2) { t = p1; p1 = p2; p2 = t; }
    if (p4 > p5) { t = p4; p4 = p5; p5 = t; }
    if (p7 > p8) { t = p7; p7 = p8; p8 = t; }
    if (p0 > p1) { t = p0; p0 = p1; p1 = t; }
    if (p3 > p4) { t = p3; p3 = p4; p4 = t; }
    if (p6 > p7) { t = p6; p6 = p7; p7 = t; }
    if (p1 > p2) { t = p1; p1 = p2; p2 = t; }
    if (p4 > p5) { t = p4; p4 = p5; p5 = t; }
    if (p7 > p8) { t = p7; p7 = p8; p8 = t; }
    if (p0 > p3) { p3 = p0; }
    if (p5 > p8) { p5 = p8; }
    if (p4 > p7) { t = p4; p4 = p7; p7 = t; }
    if (p3 > p6) { t = p3; p3 = p6; p6 = t; }
    if (p1 > p4) { p4 = p1; }
    if (p2 > p5) { p2 = p5; }
    if (p4 > p7) { p4 = p7; }
    if (p4 > p2) { t = p4; p4 = p2; p2 = t; }
    if (p6 > p4) { p4 = p6; }
    if (p4 > p2) { p4 = p2; }
    y[b + n] = p4;
  }
}
