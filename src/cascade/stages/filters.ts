/**
 * Linear filters along each line, zero initial state per line:
 * - `sosfilt`: IIR as second-order sections, transposed direct form II (scipy.signal.sosfilt);
 *   coefficients given (`sos`) or designed in code (`design`: Butterworth, scipy.signal.butter).
 * - `fir`: y = lfilter(taps, 1, x) (causal convolution, scipy.signal.lfilter).
 */
import { defineStage, allocData, f64Shape } from '../stage';
import { butterSos } from './butter';

export const sosfilt = defineStage({
  type: 'sosfilt',
  doc: 'IIR filter (second-order sections, TDF-II, zero state per line); coefficients given or Butterworth-designed.',
  accepts: 'real',
  params: {
    sos: { kind: 'matrix', cols: 6, minRows: 1, doc: 'sections [b0 b1 b2 a0 a1 a2] (as from scipy.signal.butter(..., output=\'sos\'))' },
    order: { kind: 'int', min: 1, max: 12, doc: 'Butterworth design: prototype order' },
    cutoff: { kind: 'numbers', minLength: 1, maxLength: 2, doc: 'Butterworth design: cutoff(s) as a fraction of Nyquist, 0 < w < 1' },
    btype: { kind: 'enum', values: ['lowpass', 'highpass', 'bandpass', 'bandstop'] as const, default: 'lowpass', doc: 'Butterworth design: response' },
  },
  shape(inp, p) {
    if (p.sos && (p.order !== undefined || p.cutoff !== undefined)) return 'params: give either sos or order+cutoff, not both';
    if (!p.sos) {
      if (p.order === undefined) return 'params.order: required (or give params.sos)';
      if (p.cutoff === undefined) return 'params.cutoff: required (or give params.sos)';
      const band = p.btype === 'bandpass' || p.btype === 'bandstop';
      if (p.cutoff.length !== (band ? 2 : 1)) return `params.cutoff: ${p.btype} needs ${band ? '2 cutoffs [low, high]' : '1 cutoff'}, got ${p.cutoff.length}`;
      if (p.cutoff.some((w) => !(w > 0 && w < 1))) return `params.cutoff: expected values strictly between 0 and 1 (Nyquist), got [${p.cutoff.join(', ')}]`;
      if (band && !(p.cutoff[0] < p.cutoff[1])) return `params.cutoff: expected low < high, got [${p.cutoff.join(', ')}]`;
    } else {
      const bad = p.sos.findIndex((r) => r[3] === 0);
      if (bad >= 0) return `params.sos[${bad}][3]: a0 must not be 0`;
    }
    return { out: f64Shape(inp.lines, inp.samples) };
  },
  create(inp, p) {
    const L = inp.lines;
    const N = inp.samples;
    const out = allocData(f64Shape(L, N));
    const y = out.data as Float64Array;
    const rows = p.sos ?? butterSos(p.order as number, p.cutoff as number[], p.btype);
    const S = rows.length;
    // Normalised coefficients, 5 per section: b0 b1 b2 a1 a2.
    const co = new Float64Array(5 * S);
    rows.forEach((r, s) => {
      const a0 = r[3];
      co.set([r[0] / a0, r[1] / a0, r[2] / a0, r[4] / a0, r[5] / a0], 5 * s);
    });
    return {
      out,
      run(x) {
        for (let i = 0; i < L * N; i++) y[i] = x[i];
        // Sections in series, each over a whole line: the same arithmetic as scipy's per-sample loop.
        // Four lines at a time: each line's recursion is a serial dependency chain, so interleaving
        // independent lines keeps the FPU busy (results are unchanged, bit for bit).
        let l = 0;
        for (; l + 4 <= L; l += 4) {
          for (let s = 0; s < S; s++) sos4(y, l * N, N, co, 5 * s);
        }
        for (; l < L; l++) {
          for (let s = 0; s < S; s++) sos1(y, l * N, N, co, 5 * s);
        }
      },
    };
  },
});

/** One TDF-II biquad over one line in place: xn = b0 xc + z0; z0 = b1 xc - a1 xn + z1; z1 = b2 xc - a2 xn. */
function sos1(y: Float64Array, o: number, N: number, co: Float64Array, c: number): void {
  const b0 = co[c], b1 = co[c + 1], b2 = co[c + 2], a1 = co[c + 3], a2 = co[c + 4];
  let z0 = 0;
  let z1 = 0;
  for (let n = o, end = o + N; n < end; n++) {
    const xc = y[n];
    const xn = b0 * xc + z0;
    z0 = b1 * xc - a1 * xn + z1;
    z1 = b2 * xc - a2 * xn;
    y[n] = xn;
  }
}

/** `sos1` on four consecutive lines at once (lines o, o+N, o+2N, o+3N). */
function sos4(y: Float64Array, o: number, N: number, co: Float64Array, c: number): void {
  const b0 = co[c], b1 = co[c + 1], b2 = co[c + 2], a1 = co[c + 3], a2 = co[c + 4];
  let p0 = 0, p1 = 0, q0 = 0, q1 = 0, r0 = 0, r1 = 0, t0 = 0, t1 = 0;
  const oB = o + N, oC = o + 2 * N, oD = o + 3 * N;
  for (let n = 0; n < N; n++) {
    const xa = y[o + n], xb = y[oB + n], xc = y[oC + n], xd = y[oD + n];
    const ya = b0 * xa + p0, yb = b0 * xb + q0, yc = b0 * xc + r0, yd = b0 * xd + t0;
    p0 = b1 * xa - a1 * ya + p1; q0 = b1 * xb - a1 * yb + q1; r0 = b1 * xc - a1 * yc + r1; t0 = b1 * xd - a1 * yd + t1;
    p1 = b2 * xa - a2 * ya; q1 = b2 * xb - a2 * yb; r1 = b2 * xc - a2 * yc; t1 = b2 * xd - a2 * yd;
    y[o + n] = ya; y[oB + n] = yb; y[oC + n] = yc; y[oD + n] = yd;
  }
}

export const fir = defineStage({
  type: 'fir',
  doc: 'FIR filter along each line: y = scipy.signal.lfilter(taps, 1, x), zero state per line.',
  accepts: 'real',
  params: {
    taps: { kind: 'numbers', minLength: 1, maxLength: 4096, doc: 'filter taps b[0..M-1]' },
  },
  shape(inp, p) {
    if (!p.taps) return 'params.taps: required';
    return { out: f64Shape(inp.lines, inp.samples) };
  },
  create(inp, p) {
    const L = inp.lines;
    const N = inp.samples;
    const out = allocData(f64Shape(L, N));
    const y = out.data as Float64Array;
    const b = Float64Array.from(p.taps as number[]);
    const M = b.length;
    return {
      out,
      run(x) {
        for (let l = 0; l < L; l++) {
          const o = l * N;
          for (let n = 0; n < N; n++) {
            let acc = 0;
            const kmax = n < M - 1 ? n : M - 1;
            for (let k = 0; k <= kmax; k++) acc += b[k] * x[o + n - k];
            y[o + n] = acc;
          }
        }
      },
    };
  },
});
