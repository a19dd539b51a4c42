/**
 * `hilbert`: analytic signal per line with scipy.signal.hilbert semantics (reference S4):
 * Z = FFT(x); Z[0], Z[N/2] kept, Z[1..N/2-1] doubled, Z[N/2+1..] zeroed; a = IFFT(Z).
 * Output: envelope |a|, instantaneous phase angle(a) (wrapped, or unwrapped along the line), or a.
 *
 * How: a = x + i·H(x), where H, the Hilbert transform, is real and linear with spectrum multiplier
 * -i·sgn(k) (0 at DC and Nyquist) — exactly Im(IFFT(h·X)) for scipy's h. Because H is real and
 * linear, two lines go through one complex FFT pair: FFT(x_a + i·x_b) → multiply by -i·sgn(k) →
 * IFFT → H(x_a) + i·H(x_b). The real part of a is x itself (scipy's real part equals x up to rounding).
 */
import { defineStage, allocData, f64Shape, isPow2 } from '../stage';

export const hilbert = defineStage({
  type: 'hilbert',
  doc: 'Analytic signal (scipy.signal.hilbert) → envelope, instantaneous phase (wrapped/unwrapped) or complex.',
  accepts: 'real',
  params: {
    output: { kind: 'enum', values: ['envelope', 'phase', 'unwrapped-phase', 'analytic'] as const, default: 'envelope', doc: 'what to keep' },
  },
  shape(inp, p) {
    if (!isPow2(inp.samples)) return `input: hilbert needs a power-of-two number of samples, got ${inp.samples}`;
    return { out: f64Shape(inp.lines, inp.samples, p.output === 'analytic') };
  },
  create(inp, p, _aux, ctx) {
    const L = inp.lines;
    const N = inp.samples;
    const half = N >> 1;
    const out = allocData(f64Shape(L, N, p.output === 'analytic'));
    const y = out.data as Float64Array;
    const spectra = ctx.pairSpectra(N); // FFT(x_a + i·x_b), shared with an rfft of the same input
    const f = spectra.fft;
    const src = new Float64Array(2 * N);
    const h = new Float64Array(2 * N);
    const what = p.output;
    const invN = 1 / N;
    /** Write line `l`'s output from x (offset o) and its Hilbert transform h[2n + part]·sign/N. */
    const emit = (x: ArrayLike<number>, l: number, part: 0 | 1, sign: number) => {
      const o = l * N;
      const s = sign * invN;
      if (what === 'envelope') {
        for (let n = 0; n < N; n++) { const re = x[o + n], im = h[2 * n + part] * s; y[o + n] = Math.sqrt(re * re + im * im); }
      } else if (what === 'analytic') {
        for (let n = 0; n < N; n++) { y[2 * (o + n)] = x[o + n]; y[2 * (o + n) + 1] = h[2 * n + part] * s; }
      } else {
        for (let n = 0; n < N; n++) y[o + n] = Math.atan2(h[2 * n + part] * s, x[o + n]);
        if (what === 'unwrapped-phase') unwrapInPlace(y, o, N);
      }
    };
    return {
      out,
      run(x) {
        for (let l = 0; l < L; l += 2) {
          const o = spectra.pair(x, l >> 1); // Z of lines l, l + 1
          const z = spectra.z;
          // V = conj(-i·sgn(k)·Z): then FFT(V) = N·conj(IFFT(-i·sgn(k)·Z)) = N·(H(a) - i·H(b)).
          src[0] = 0; src[1] = 0; src[2 * half] = 0; src[2 * half + 1] = 0;
          for (let k = 1; k < half; k++) { src[2 * k] = z[o + 2 * k + 1]; src[2 * k + 1] = z[o + 2 * k]; }
          for (let k = half + 1; k < N; k++) { src[2 * k] = -z[o + 2 * k + 1]; src[2 * k + 1] = -z[o + 2 * k]; }
          f.transform(h, src);
          const pair = l + 1 < L;
          emit(x, l, 0, 1);
          if (pair) emit(x, l + 1, 1, -1);
        }
      },
    };
  },
});

/** numpy.unwrap along one line (discont = pi). */
export function unwrapInPlace(y: Float64Array, o: number, n: number): void {
  let offset = 0;
  let prev = y[o];
  for (let i = 1; i < n; i++) {
    const raw = y[o + i];
    const d = raw - prev;
    // numpy: ddmod = mod(d + pi, 2pi) - pi, with ddmod = pi where ddmod == -pi and d > 0
    let dd = ((((d + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;
    if (dd === -Math.PI && d > 0) dd = Math.PI;
    if (Math.abs(d) >= Math.PI) offset += dd - d;
    prev = raw;
    y[o + i] = raw + offset;
  }
}
