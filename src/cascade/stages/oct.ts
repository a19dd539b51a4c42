/**
 * Optical-coherence steps.
 * - `k-linearize`: spectra sampled uniformly in wavelength λ ∈ [lambdaStart, lambdaEnd] (endpoints
 *   included) are resampled onto a grid uniform in wavenumber k = 1/λ (ascending k, same endpoints),
 *   by linear interpolation (numpy.interp semantics).
 * - `dispersion`: multiplies each line by exp(-i·φ(t)), φ = a2·t² + a3·t³, t = n/(N-1) - centre, which
 *   cancels a quadratic/cubic spectral phase; real input becomes complex.
 */
import { defineStage, allocData, f64Shape } from '../stage';

/** Index/weight table of the λ → k resampling: out[m] = x[i0[m]]·(1-w[m]) + x[i0[m]+1]·w[m]. */
export function kLinearTable(n: number, lambdaStart: number, lambdaEnd: number, outSamples: number): { i0: Int32Array; w: Float64Array; step: 1 | -1 } {
  // k of each input sample, reversed into ascending order when λ ascends.
  const k = new Float64Array(n);
  for (let i = 0; i < n; i++) k[i] = 1 / (lambdaStart + (i * (lambdaEnd - lambdaStart)) / (n - 1));
  const ascending = k[n - 1] > k[0];
  const kAsc = new Float64Array(n);
  for (let i = 0; i < n; i++) kAsc[i] = ascending ? k[i] : k[n - 1 - i];
  const kMin = kAsc[0];
  const kMax = kAsc[n - 1];
  const i0 = new Int32Array(outSamples);
  const w = new Float64Array(outSamples);
  let j = 0;
  for (let m = 0; m < outSamples; m++) {
    const km = m === outSamples - 1 ? kMax : kMin + (m * (kMax - kMin)) / (outSamples - 1);
    while (j < n - 2 && kAsc[j + 1] <= km) j++;
    const t = (km - kAsc[j]) / (kAsc[j + 1] - kAsc[j]);
    // Store as indices into the ORIGINAL sample order; the neighbour is i0 + step.
    i0[m] = ascending ? j : n - 1 - j;
    w[m] = t;
  }
  return { i0, w, step: ascending ? 1 : -1 };
}

export const kLinearize = defineStage({
  type: 'k-linearize',
  doc: 'Resample spectra from uniform wavelength to uniform wavenumber (linear interpolation).',
  accepts: 'real',
  params: {
    lambdaStart: { kind: 'number', min: 1e-12, default: 800, doc: 'wavelength of sample 0 (any unit)' },
    lambdaEnd: { kind: 'number', min: 1e-12, default: 880, doc: 'wavelength of the last sample' },
    samples: { kind: 'int', min: 2, max: 1 << 20, doc: 'output samples; default: input samples' },
  },
  shape(inp, p) {
    if (p.lambdaStart === p.lambdaEnd) return 'params.lambdaEnd: must differ from lambdaStart';
    if (inp.samples < 2) return `input: needs at least 2 samples, got ${inp.samples}`;
    return { out: f64Shape(inp.lines, p.samples ?? inp.samples) };
  },
  create(inp, p) {
    const L = inp.lines;
    const N = inp.samples;
    const M = p.samples ?? N;
    const out = allocData(f64Shape(L, M));
    const y = out.data as Float64Array;
    const { i0, w, step } = kLinearTable(N, p.lambdaStart, p.lambdaEnd, M);
    return {
      out,
      run(x) {
        for (let l = 0; l < L; l++) {
          const o = l * N;
          const q = l * M;
          for (let m = 0; m < M; m++) {
            const i = o + i0[m];
            y[q + m] = x[i] + w[m] * (x[i + step] - x[i]);
          }
        }
      },
    };
  },
});

export const dispersion = defineStage({
  type: 'dispersion',
  doc: 'Dispersion compensation: multiply each line by exp(-i(a2 t² + a3 t³)), t = n/(N-1) - centre.',
  accepts: 'any',
  params: {
    a2: { kind: 'number', default: 0, doc: 'quadratic phase (rad at t = ±1)' },
    a3: { kind: 'number', default: 0, doc: 'cubic phase (rad at t = ±1)' },
    centre: { kind: 'number', min: 0, max: 1, default: 0.5, doc: 'centre of the phase polynomial, fraction of the line' },
  },
  shape: (inp) => ({ out: f64Shape(inp.lines, inp.samples, true) }),
  create(inp, p) {
    const L = inp.lines;
    const N = inp.samples;
    const out = allocData(f64Shape(L, N, true));
    const y = out.data as Float64Array;
    const c = new Float64Array(N);
    const s = new Float64Array(N);
    for (let n = 0; n < N; n++) {
      const t = (N > 1 ? n / (N - 1) : 0) - p.centre;
      const phi = p.a2 * t * t + p.a3 * t * t * t;
      c[n] = Math.cos(phi);
      s[n] = -Math.sin(phi);
    }
    const complexIn = inp.complex;
    return {
      out,
      run(x) {
        for (let l = 0; l < L; l++) {
          const o2 = 2 * l * N;
          if (complexIn) {
            for (let n = 0; n < N; n++) {
              const re = x[o2 + 2 * n], im = x[o2 + 2 * n + 1];
              y[o2 + 2 * n] = re * c[n] - im * s[n];
              y[o2 + 2 * n + 1] = re * s[n] + im * c[n];
            }
          } else {
            const o = l * N;
            for (let n = 0; n < N; n++) { const v = x[o + n]; y[o2 + 2 * n] = v * c[n]; y[o2 + 2 * n + 1] = v * s[n]; }
          }
        }
      },
    };
  },
});
