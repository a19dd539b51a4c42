/**
 * Fourier stages on fft.js (radix-4, power-of-two sizes):
 * - `rfft`: real lines → bins 0..nfft/2 as magnitude, log magnitude (dB), power, phase or complex;
 * - `fft`: complex (or real) lines → complex spectrum, or the inverse (`inverse: true`, 1/N, numpy.fft.ifft);
 * - `complex-part`: complex → abs / log abs / power / real / imag / phase.
 */
import FFT from 'fft.js';
import { defineStage, allocData, f64Shape, isPow2 } from '../stage';

const REAL_OUTPUTS = ['magnitude', 'logmag', 'power', 'phase', 'complex'] as const;
type RealOutput = (typeof REAL_OUTPUTS)[number];

/**
 * Write `count` values of a spectrum (interleaved re/im in `s`, from bin 0) into `y` at `o` as `what`.
 * logmag = db * log10(max(|X|, floor)), computed as db/(2 ln 10) * ln(max(|X|^2, floor^2)): no sqrt, and
 * Math.log is ~40% cheaper than Math.log10 in V8 (agrees with numpy's log10 to a few ulps).
 */
export function writeSpectrum(what: RealOutput | 'abs' | 'logabs' | 'real' | 'imag', s: ArrayLike<number>, count: number, y: Float64Array, o: number, floor: number, db: number): void {
  switch (what) {
    case 'magnitude':
    case 'abs':
      for (let k = 0; k < count; k++) { const re = s[2 * k], im = s[2 * k + 1]; y[o + k] = Math.sqrt(re * re + im * im); }
      break;
    case 'logmag':
    case 'logabs': {
      const f2 = floor * floor;
      const c = db / (2 * Math.LN10);
      for (let k = 0; k < count; k++) {
        const re = s[2 * k], im = s[2 * k + 1];
        const p = re * re + im * im;
        y[o + k] = c * Math.log(p > f2 ? p : f2);
      }
      break;
    }
    case 'power':
      for (let k = 0; k < count; k++) { const re = s[2 * k], im = s[2 * k + 1]; y[o + k] = re * re + im * im; }
      break;
    case 'phase':
      for (let k = 0; k < count; k++) y[o + k] = Math.atan2(s[2 * k + 1], s[2 * k]);
      break;
    case 'real':
      for (let k = 0; k < count; k++) y[o + k] = s[2 * k];
      break;
    case 'imag':
      for (let k = 0; k < count; k++) y[o + k] = s[2 * k + 1];
      break;
    case 'complex':
      for (let k = 0; k < 2 * count; k++) y[2 * o + k] = s[k];
      break;
  }
}

export const rfft = defineStage({
  type: 'rfft',
  doc: 'Real FFT of each line → bins 0..nfft/2 as magnitude, log magnitude (dB), power, phase or complex.',
  accepts: 'real',
  params: {
    output: { kind: 'enum', values: REAL_OUTPUTS, default: 'logmag', doc: 'what to keep of each bin' },
    floor: { kind: 'number', min: 0, default: 1e-3, doc: 'logmag: |X| is clamped to at least this (must be > 0)' },
    db: { kind: 'number', default: 20, doc: 'logmag: dB factor (20 for amplitude)' },
    nfft: { kind: 'int', min: 2, max: 1 << 20, doc: 'FFT size (power of two ≥ samples, zero-padded); default: samples' },
  },
  shape(inp, p) {
    const nfft = p.nfft ?? inp.samples;
    if (!isPow2(nfft)) return p.nfft === undefined ? `input: rfft needs a power-of-two number of samples, got ${inp.samples} (set params.nfft to zero-pad)` : `params.nfft: expected a power of two, got ${nfft}`;
    if (nfft < inp.samples) return `params.nfft: expected at least the ${inp.samples} input samples, got ${nfft}`;
    if (p.output === 'logmag' && !(p.floor > 0)) return `params.floor: expected a number > 0 for logmag, got ${p.floor}`;
    return { out: f64Shape(inp.lines, nfft / 2 + 1, p.output === 'complex') };
  },
  create(inp, p, _aux, ctx) {
    const L = inp.lines;
    const nfft = p.nfft ?? inp.samples;
    const K = nfft / 2 + 1;
    const out = allocData(f64Shape(L, K, p.output === 'complex'));
    const y = out.data as Float64Array;
    const spectra = ctx.pairSpectra(nfft);
    const sa = new Float64Array(2 * K);
    const sb = new Float64Array(2 * K);
    const what = p.output;
    const floor = p.floor;
    const db = p.db;
    return {
      out,
      run(x) {
        // Z = FFT(a + i·b) of two lines (shared, see pair-spectra.ts), split by symmetry:
        // A[k] = (Z[k] + conj(Z[-k]))/2 and B[k] = -i·(Z[k] - conj(Z[-k]))/2.
        for (let l = 0; l < L; l += 2) {
          const o = spectra.pair(x, l >> 1);
          const z = spectra.z;
          if (what === 'logmag') {
            splitLogmag(z, o, nfft, K, y, l * K, l + 1 < L, floor, db);
            continue;
          }
          for (let k = 0; k < K; k++) {
            const m = k === 0 ? 0 : nfft - k;
            const zr = z[o + 2 * k], zi = z[o + 2 * k + 1], mr = z[o + 2 * m], mi = z[o + 2 * m + 1];
            sa[2 * k] = (zr + mr) * 0.5;
            sa[2 * k + 1] = (zi - mi) * 0.5;
            sb[2 * k] = (zi + mi) * 0.5;
            sb[2 * k + 1] = (mr - zr) * 0.5;
          }
          writeSpectrum(what, sa, K, y, l * K, floor, db);
          if (l + 1 < L) writeSpectrum(what, sb, K, y, (l + 1) * K, floor, db);
        }
      },
    };
  },
});

/**
 * The logmag case of the split, fused (the hot path of reference S3): for bins k of the pair at
 * z[o..], |A|² and |B|² straight from Z[k] and Z[-k], then db/(2 ln 10)·ln(max(|·|², floor²)) as in
 * `writeSpectrum` (same arithmetic, so the same numbers).
 */
function splitLogmag(z: Float64Array, o: number, nfft: number, K: number, y: Float64Array, oy: number, pair: boolean, floor: number, db: number): void {
  const f2 = floor * floor;
  const c = db / (2 * Math.LN10);
  for (let k = 0; k < K; k++) {
    const m = o + 2 * (k === 0 ? 0 : nfft - k);
    const zr = z[o + 2 * k], zi = z[o + 2 * k + 1], mr = z[m], mi = z[m + 1];
    const ar = (zr + mr) * 0.5, ai = (zi - mi) * 0.5;
    const pa = ar * ar + ai * ai;
    y[oy + k] = c * Math.log(pa > f2 ? pa : f2);
    if (pair) {
      const br = (zi + mi) * 0.5, bi = (mr - zr) * 0.5;
      const pb = br * br + bi * bi;
      y[oy + K + k] = c * Math.log(pb > f2 ? pb : f2);
    }
  }
}

export const fft = defineStage({
  type: 'fft',
  doc: 'Complex FFT of each line (real input is taken as complex with zero imaginary part); inverse with 1/N like numpy.fft.ifft.',
  accepts: 'any',
  params: {
    inverse: { kind: 'bool', default: false, doc: 'inverse transform (scaled by 1/N)' },
  },
  shape(inp) {
    if (!isPow2(inp.samples)) return `input: fft needs a power-of-two number of samples, got ${inp.samples}`;
    return { out: f64Shape(inp.lines, inp.samples, true) };
  },
  create(inp, p) {
    const L = inp.lines;
    const N = inp.samples;
    const out = allocData(f64Shape(L, N, true));
    const y = out.data as Float64Array;
    const f = new FFT(N);
    const src = new Float64Array(2 * N);
    const dst = new Float64Array(2 * N);
    const complexIn = inp.complex;
    const inverse = p.inverse;
    return {
      out,
      run(x) {
        for (let l = 0; l < L; l++) {
          if (complexIn) {
            const o = 2 * l * N;
            for (let i = 0; i < 2 * N; i++) src[i] = x[o + i];
          } else {
            const o = l * N;
            for (let n = 0; n < N; n++) { src[2 * n] = x[o + n]; src[2 * n + 1] = 0; }
          }
          if (inverse) f.inverseTransform(dst, src); else f.transform(dst, src);
          y.set(dst, 2 * l * N);
        }
      },
    };
  },
});

export const complexPart = defineStage({
  type: 'complex-part',
  doc: 'Complex → real: abs, log abs (dB), power, real, imag or phase (np.angle).',
  accepts: 'complex',
  params: {
    part: { kind: 'enum', values: ['abs', 'logabs', 'power', 'real', 'imag', 'phase'] as const, default: 'abs', doc: 'what to keep' },
    floor: { kind: 'number', min: 0, default: 1e-3, doc: 'logabs: |z| clamped to at least this' },
    db: { kind: 'number', default: 20, doc: 'logabs: dB factor' },
  },
  shape(inp, p) {
    if (p.part === 'logabs' && !(p.floor > 0)) return `params.floor: expected a number > 0 for logabs, got ${p.floor}`;
    return { out: f64Shape(inp.lines, inp.samples) };
  },
  create(inp, p) {
    const out = allocData(f64Shape(inp.lines, inp.samples));
    const y = out.data as Float64Array;
    const count = inp.lines * inp.samples;
    const { part, floor, db } = p;
    return { out, run(x) { writeSpectrum(part, x, count, y, 0, floor, db); } };
  },
});
