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
    return {
      out,
      run(x) {
        for (let l = 0; l < L; l++) {
          for (let n = 0; n < N; n++) {
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
