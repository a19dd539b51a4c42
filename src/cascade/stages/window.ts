/**
 * `window`: multiply every line by a window (Hann, Hamming, Blackman, Tukey, rectangular).
 * `makeWindow` follows scipy.signal.get_window: `periodic: true` (scipy's default, fftbins=True)
 * computes the symmetric window of length N+1 and drops the last point.
 */
import { defineStage, allocData, f64Shape } from '../stage';

export type WindowKind = 'hann' | 'hamming' | 'blackman' | 'tukey' | 'rect';

/** Window of length n with scipy.signal.get_window semantics (`alpha` is Tukey's taper fraction). */
export function makeWindow(kind: WindowKind, n: number, periodic = true, alpha = 0.5): Float64Array {
  const w = new Float64Array(n);
  if (n === 1) { w[0] = 1; return w; }
  const m = periodic ? n + 1 : n; // length of the symmetric window computed
  const d = m - 1;
  const twoPi = 2 * Math.PI;
  switch (kind) {
    case 'rect':
      w.fill(1);
      break;
    case 'hann':
      // reference-cascade.md S2 formula: 0.5 - 0.5 cos(2 pi n / N) for the periodic case.
      for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((twoPi * i) / d);
      break;
    case 'hamming':
      for (let i = 0; i < n; i++) w[i] = 0.54 - 0.46 * Math.cos((twoPi * i) / d);
      break;
    case 'blackman':
      for (let i = 0; i < n; i++) w[i] = 0.42 - 0.5 * Math.cos((twoPi * i) / d) + 0.08 * Math.cos((2 * twoPi * i) / d);
      break;
    case 'tukey': {
      if (alpha <= 0) { w.fill(1); break; }
      if (alpha >= 1) return makeWindow('hann', n, periodic);
      const width = Math.floor((alpha * d) / 2);
      for (let i = 0; i < n; i++) {
        if (i <= width) w[i] = 0.5 * (1 + Math.cos(Math.PI * (-1 + (2 * i) / alpha / d)));
        else if (i < m - width - 1) w[i] = 1;
        else w[i] = 0.5 * (1 + Math.cos(Math.PI * (-2 / alpha + 1 + (2 * i) / alpha / d)));
      }
      break;
    }
  }
  return w;
}

export const windowStage = defineStage({
  type: 'window',
  doc: 'Multiply each line by a window (scipy.signal.get_window semantics).',
  accepts: 'real',
  params: {
    kind: { kind: 'enum', values: ['hann', 'hamming', 'blackman', 'tukey', 'rect'] as const, default: 'hann', doc: 'window family' },
    periodic: { kind: 'bool', default: true, doc: 'periodic (DFT-even, scipy fftbins=True) or symmetric' },
    alpha: { kind: 'number', min: 0, max: 1, default: 0.5, doc: 'tukey: tapered fraction' },
  },
  shape: (inp) => ({ out: f64Shape(inp.lines, inp.samples) }),
  create(inp, p) {
    const L = inp.lines;
    const N = inp.samples;
    const out = allocData(f64Shape(L, N));
    const y = out.data as Float64Array;
    const w = makeWindow(p.kind, N, p.periodic, p.alpha);
    return {
      out,
      run(x) {
        for (let l = 0, o = 0; l < L; l++, o += N) for (let n = 0; n < N; n++) y[o + n] = x[o + n] * w[n];
      },
    };
  },
});
