/**
 * `stats`: numbers for the HUD, as a 1×6 float64 output:
 * [mean, std, min, max, noise std, SNR dB]. The noise is the standard deviation over the sample range
 * [noiseStart, noiseEnd) of every line (a region without signal, e.g. the deepest bins of an A-scan);
 * SNR dB = 20·log10((max - noise mean) / noise std) (peak signal over the noise floor; -Infinity if
 * the peak does not exceed the noise mean, +Infinity for a noiseless region).
 */
import { defineStage, allocData, f64Shape } from '../stage';

export const STATS_FIELDS = ['mean', 'std', 'min', 'max', 'noiseStd', 'snrDb'] as const;

export const stats = defineStage({
  type: 'stats',
  doc: 'HUD statistics: mean, std, min, max, noise std and an SNR estimate in dB (1×6 output).',
  accepts: 'real',
  params: {
    noiseStart: { kind: 'number', min: 0, max: 1, default: 0.9, doc: 'noise region start, fraction of the samples' },
    noiseEnd: { kind: 'number', min: 0, max: 1, default: 1, doc: 'noise region end, fraction of the samples' },
  },
  shape(inp, p) {
    const a = Math.floor(p.noiseStart * inp.samples);
    const b = Math.floor(p.noiseEnd * inp.samples);
    if (b - a < 1) return `params.noiseEnd: the noise region [${p.noiseStart}, ${p.noiseEnd}) holds no sample of ${inp.samples}`;
    return { out: f64Shape(1, STATS_FIELDS.length) };
  },
  create(inp, p) {
    const out = allocData(f64Shape(1, STATS_FIELDS.length));
    const y = out.data as Float64Array;
    const L = inp.lines;
    const N = inp.samples;
    const a = Math.floor(p.noiseStart * N);
    const b = Math.floor(p.noiseEnd * N);
    return {
      out,
      run(x) {
        let s = 0, s2 = 0, mn = Infinity, mx = -Infinity, ns = 0, ns2 = 0;
        for (let l = 0; l < L; l++) {
          const o = l * N;
          for (let n = 0; n < N; n++) {
            const v = x[o + n];
            s += v; s2 += v * v;
            if (v < mn) mn = v;
            if (v > mx) mx = v;
          }
          for (let n = a; n < b; n++) { const v = x[o + n]; ns += v; ns2 += v * v; }
        }
        const cnt = L * N;
        const ncnt = L * (b - a);
        const mean = s / cnt;
        const nmean = ns / ncnt;
        const nstd = Math.sqrt(Math.max(0, ns2 / ncnt - nmean * nmean));
        y[0] = mean;
        y[1] = Math.sqrt(Math.max(0, s2 / cnt - mean * mean));
        y[2] = mn;
        y[3] = mx;
        y[4] = nstd;
        y[5] = mx > nmean ? 20 * Math.log10((mx - nmean) / nstd) : -Infinity;
      },
    };
  },
});
