/**
 * Linear filters along each line, zero initial state per line:
 * - `sosfilt`: IIR as second-order sections, transposed direct form II (scipy.signal.sosfilt);
 *   coefficients given (`sos`) or designed in code (`design`: Butterworth, scipy.signal.butter).
 * - `fir`: y = lfilter(taps, 1, x) (causal convolution, scipy.signal.lfilter).
 */
import { defineStage, allocData, f64Shape } from '../stage';
import type { SampleArray } from '../processor';
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
        // Sections in series, each over a whole line: the same arithmetic as scipy's per-sample loop
        // (results are unchanged, bit for bit, by the grouping below). Each line's recursion is a
        // serial dependency chain, so two lines are interleaved to keep the FPU busy, and two
        // sections run in one pass (a second section consumes the first's output while it is in a
        // register: half the loads and stores). The first pass reads x, later ones filter y in place.
        let l = 0;
        for (; l + 2 <= L; l += 2) {
          let s = 0;
          for (; s + 2 <= S; s += 2) sosPair2(s === 0 ? x : y, y, l * N, N, co, 5 * s);
          for (; s < S; s++) {
            sos1(s === 0 ? x : y, y, l * N, N, co, 5 * s);
            sos1(s === 0 ? x : y, y, (l + 1) * N, N, co, 5 * s);
          }
        }
        for (; l < L; l++) {
          for (let s = 0; s < S; s++) sos1(s === 0 ? x : y, y, l * N, N, co, 5 * s);
        }
      },
    };
  },
});

/** One TDF-II biquad over one line (x → y, may be the same array): xn = b0 xc + z0; z0 = b1 xc - a1 xn + z1; z1 = b2 xc - a2 xn. */
function sos1(x: SampleArray, y: Float64Array, o: number, N: number, co: Float64Array, c: number): void {
  const b0 = co[c], b1 = co[c + 1], b2 = co[c + 2], a1 = co[c + 3], a2 = co[c + 4];
  let z0 = 0;
  let z1 = 0;
  for (let n = o, end = o + N; n < end; n++) {
    const xc = x[n];
    const xn = b0 * xc + z0;
    z0 = b1 * xc - a1 * xn + z1;
    z1 = b2 * xc - a2 * xn;
    y[n] = xn;
  }
}

/**
 * Sections c/5 and c/5 + 1 of `sos1`, one after the other, on two consecutive lines (o and o + N) in
 * one pass: line a's states p (first section) and P (second), line b's q and Q.
 */
function sosPair2(x: SampleArray, y: Float64Array, o: number, N: number, co: Float64Array, c: number): void {
  const b0 = co[c], b1 = co[c + 1], b2 = co[c + 2], a1 = co[c + 3], a2 = co[c + 4];
  const B0 = co[c + 5], B1 = co[c + 6], B2 = co[c + 7], A1 = co[c + 8], A2 = co[c + 9];
  let p0 = 0, p1 = 0, q0 = 0, q1 = 0, P0 = 0, P1 = 0, Q0 = 0, Q1 = 0;
  const oB = o + N;
  for (let n = 0; n < N; n++) {
    const xa = x[o + n], xb = x[oB + n];
    // first section
    const ya = b0 * xa + p0, yb = b0 * xb + q0;
    p0 = b1 * xa - a1 * ya + p1; q0 = b1 * xb - a1 * yb + q1;
    p1 = b2 * xa - a2 * ya; q1 = b2 * xb - a2 * yb;
    // second section on its output
    const za = B0 * ya + P0, zb = B0 * yb + Q0;
    P0 = B1 * ya - A1 * za + P1; Q0 = B1 * yb - A1 * zb + Q1;
    P1 = B2 * ya - A2 * za; Q1 = B2 * yb - A2 * zb;
    y[o + n] = za; y[oB + n] = zb;
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
