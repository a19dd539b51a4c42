/**
 * Size reduction.
 * - `block-mean`: lines L → outLines and samples N → outSamples by variable blocks: output j averages
 *   inputs floor(j·L/outLines) .. floor((j+1)·L/outLines)-1 (reference S7; integer ratios give plain
 *   block means). Lines first (sum/count), then samples. Optional sample crop first.
 * - `decimate`: keep every `lineStep`-th line and `sampleStep`-th sample (no averaging).
 * - `decimate-level`: reference S7 in one stage: crop samples, block-mean, window/level to uint8;
 *   port `dec` holds the float image before levelling.
 */
import { defineStage, allocData, f64Shape, type DataShape } from '../stage';
import type { SampleArray } from '../processor';

/** Block start offsets (length out+1) of the variable block mean. */
export function blockEdges(n: number, out: number): Int32Array {
  const e = new Int32Array(out + 1);
  for (let j = 0; j <= out; j++) e[j] = Math.floor((j * n) / out);
  return e;
}

/** A reusable block-mean kernel: x (L×N, columns [c0,c1)) → y (outL × outS). */
function makeBlockMean(L: number, N: number, c0: number, c1: number, outL: number, outS: number) {
  const W = c1 - c0;
  const le = blockEdges(L, outL);
  const se = blockEdges(W, outS);
  const row = new Float64Array(W);
  return (x: SampleArray, y: Float64Array) => {
    for (let j = 0; j < outL; j++) {
      const a = le[j];
      const b = le[j + 1];
      let o = a * N + c0;
      for (let i = 0; i < W; i++) row[i] = x[o + i];
      for (let l = a + 1; l < b; l++) {
        o = l * N + c0;
        for (let i = 0; i < W; i++) row[i] += x[o + i];
      }
      divideBy(row, W, b - a);
      const q = j * outS;
      for (let k = 0; k < outS; k++) {
        const s0 = se[k];
        const s1 = se[k + 1];
        let s = row[s0];
        for (let i = s0 + 1; i < s1; i++) s += row[i];
        y[q + k] = s / (s1 - s0);
      }
    }
  };
}

/** a[0..n) /= c; for a power-of-two c as a multiplication by 1/c (exact, so the same doubles, and cheaper). */
function divideBy(a: Float64Array, n: number, c: number): void {
  if ((c & (c - 1)) === 0) {
    const r = 1 / c;
    for (let i = 0; i < n; i++) a[i] *= r;
  } else {
    for (let i = 0; i < n; i++) a[i] /= c;
  }
}

const blockParams = {
  lines: { kind: 'int', min: 1, max: 1 << 16, doc: 'output lines (≤ input lines); default: unchanged' },
  samples: { kind: 'int', min: 1, max: 1 << 20, doc: 'output samples (≤ cropped samples); default: unchanged' },
  sampleStart: { kind: 'int', min: 0, default: 0, doc: 'first input sample kept' },
  sampleEnd: { kind: 'int', min: 1, doc: 'one past the last input sample kept; default: all' },
} as const;

function blockShape(inp: DataShape, p: { lines?: number; samples?: number; sampleStart: number; sampleEnd?: number }): string | { L: number; S: number; c0: number; c1: number } {
  const c0 = p.sampleStart;
  const c1 = p.sampleEnd ?? inp.samples;
  if (c1 > inp.samples) return `params.sampleEnd: expected at most ${inp.samples} (input samples), got ${c1}`;
  if (c0 >= c1) return `params.sampleStart: expected less than sampleEnd (${c1}), got ${c0}`;
  const L = p.lines ?? inp.lines;
  const S = p.samples ?? c1 - c0;
  if (L > inp.lines) return `params.lines: expected at most ${inp.lines} (input lines), got ${L}`;
  if (S > c1 - c0) return `params.samples: expected at most ${c1 - c0} (kept samples), got ${S}`;
  return { L, S, c0, c1 };
}

export const blockMean = defineStage({
  type: 'block-mean',
  doc: 'Variable block mean over lines then samples (reference S7 decimation), optional sample crop.',
  accepts: 'real',
  params: blockParams,
  shape(inp, p) {
    const s = blockShape(inp, p);
    return typeof s === 'string' ? s : { out: f64Shape(s.L, s.S) };
  },
  create(inp, p) {
    const s = blockShape(inp, p) as Exclude<ReturnType<typeof blockShape>, string>;
    const out = allocData(f64Shape(s.L, s.S));
    const f = makeBlockMean(inp.lines, inp.samples, s.c0, s.c1, s.L, s.S);
    return { out, run(x) { f(x, out.data as Float64Array); } };
  },
});

export const decimate = defineStage({
  type: 'decimate',
  doc: 'Keep every lineStep-th line and sampleStep-th sample (starting at 0), no averaging.',
  accepts: 'any',
  params: {
    lineStep: { kind: 'int', min: 1, max: 1 << 16, default: 1, doc: 'line stride' },
    sampleStep: { kind: 'int', min: 1, max: 1 << 16, default: 1, doc: 'sample stride' },
  },
  shape: (inp, p) => ({ out: { ...inp, lines: Math.ceil(inp.lines / p.lineStep), samples: Math.ceil(inp.samples / p.sampleStep) } }),
  create(inp, p) {
    const L = Math.ceil(inp.lines / p.lineStep);
    const S = Math.ceil(inp.samples / p.sampleStep);
    const out = allocData({ ...inp, lines: L, samples: S });
    const y = out.data;
    const c = inp.complex ? 2 : 1;
    const N = inp.samples;
    const { lineStep, sampleStep } = p;
    return {
      out,
      run(x) {
        for (let j = 0; j < L; j++) {
          const o = j * lineStep * N * c;
          const q = j * S * c;
          for (let k = 0; k < S; k++) for (let t = 0; t < c; t++) y[q + k * c + t] = x[o + k * sampleStep * c + t];
        }
      },
    };
  },
});

export const decimateLevel = defineStage({
  type: 'decimate-level',
  doc: 'Reference S7: crop samples, variable block mean, then window/level to uint8 (port "dec": the float image).',
  accepts: 'real',
  params: {
    ...blockParams,
    lo: { kind: 'number', default: 40, doc: 'value mapped to 0' },
    hi: { kind: 'number', default: 120, doc: 'value mapped to 255' },
  },
  shape(inp, p) {
    if (!(p.hi > p.lo)) return `params.hi: expected more than lo (${p.lo}), got ${p.hi}`;
    const s = blockShape(inp, p);
    if (typeof s === 'string') return s;
    return { out: { lines: s.L, samples: s.S, dtype: 'uint8', complex: false }, ports: { dec: f64Shape(s.L, s.S) } };
  },
  create(inp, p) {
    const s = blockShape(inp, p) as Exclude<ReturnType<typeof blockShape>, string>;
    const out = allocData({ lines: s.L, samples: s.S, dtype: 'uint8', complex: false });
    const dec = allocData(f64Shape(s.L, s.S));
    const f = makeBlockMean(inp.lines, inp.samples, s.c0, s.c1, s.L, s.S);
    const u8 = out.data as Uint8Array;
    const d = dec.data as Float64Array;
    const lo = p.lo;
    const sc = 255 / (p.hi - p.lo);
    return {
      out,
      ports: { dec },
      run(x) {
        f(x, d);
        levelU8(d, u8, lo, sc);
      },
    };
  },
});

/** u8 = clip(floor((v - lo)·scale + 0.5), 0, 255); NaN → 0. */
export function levelU8(v: ArrayLike<number>, u8: Uint8Array, lo: number, scale: number): void {
  for (let i = 0; i < u8.length; i++) {
    const t = Math.floor((v[i] - lo) * scale + 0.5);
    u8[i] = t > 255 ? 255 : t >= 0 ? t : 0;
  }
}
