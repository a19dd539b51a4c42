/**
 * `background`: remove a background spectrum from every line (float64 out).
 * - `frame-mean`: bg[n] = mean over this frame's lines (reference S1);
 * - `running-mean`: bg ← (1-alpha)·bg + alpha·(this frame's mean), first frame initialises it;
 * - `fixed`: bg = params.reference (one value per sample).
 */
import { defineStage, allocData, f64Shape } from '../stage';

export const background = defineStage({
  type: 'background',
  doc: 'Subtract a background spectrum: per-frame mean over lines, running mean over frames, or fixed.',
  accepts: 'real',
  params: {
    mode: { kind: 'enum', values: ['frame-mean', 'running-mean', 'fixed'] as const, default: 'frame-mean', doc: 'how bg is obtained' },
    alpha: { kind: 'number', min: 0, max: 1, default: 0.1, doc: 'running-mean: weight of the newest frame' },
    reference: { kind: 'numbers', minLength: 1, doc: 'fixed: background, one value per sample' },
  },
  shape(inp, p) {
    if (p.mode === 'fixed') {
      if (!p.reference) return 'params.reference: required when mode is \'fixed\'';
      if (p.reference.length !== inp.samples) return `params.reference: expected ${inp.samples} values (one per sample), got ${p.reference.length}`;
    }
    return { out: f64Shape(inp.lines, inp.samples) };
  },
  create(inp, p) {
    const L = inp.lines;
    const N = inp.samples;
    const out = allocData(f64Shape(L, N));
    const y = out.data as Float64Array;
    const bg = new Float64Array(N);
    const mean = new Float64Array(N);
    const mode = p.mode;
    const alpha = p.alpha;
    let primed = false;
    if (mode === 'fixed') bg.set(p.reference as number[]);
    return {
      out,
      reset() { primed = false; },
      run(x) {
        if (mode !== 'fixed') {
          // Column sums in line order (numpy's reduction order), then one pass writing x - bg.
          // Four lines per pass over acc: the same additions in the same order, a quarter of acc's loads/stores.
          const acc = mode === 'frame-mean' ? bg : mean;
          for (let n = 0; n < N; n++) acc[n] = x[n];
          let l = 1;
          for (; l + 4 <= L; l += 4) {
            const o = l * N;
            for (let n = 0; n < N; n++) acc[n] = (((acc[n] + x[o + n]) + x[o + N + n]) + x[o + 2 * N + n]) + x[o + 3 * N + n];
          }
          for (; l < L; l++) for (let n = 0, o = l * N; n < N; n++) acc[n] += x[o + n];
          for (let n = 0; n < N; n++) acc[n] /= L;
          if (mode === 'running-mean') {
            if (!primed) { bg.set(mean); primed = true; } else {
              for (let n = 0; n < N; n++) bg[n] = (1 - alpha) * bg[n] + alpha * mean[n];
            }
          }
        }
        for (let l = 0, o = 0; l < L; l++, o += N) for (let n = 0; n < N; n++) y[o + n] = x[o + n] - bg[n];
      },
    };
  },
});
