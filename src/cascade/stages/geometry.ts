/** Geometry: `crop`, `flip`, `transpose` (real or complex data, any dtype). */
import { defineStage, allocData } from '../stage';

export const crop = defineStage({
  type: 'crop',
  doc: 'Keep lines [lineStart, lineEnd) and samples [sampleStart, sampleEnd).',
  accepts: 'any',
  params: {
    lineStart: { kind: 'int', min: 0, default: 0, doc: 'first line kept' },
    lineEnd: { kind: 'int', min: 1, doc: 'one past the last line kept; default: all' },
    sampleStart: { kind: 'int', min: 0, default: 0, doc: 'first sample kept' },
    sampleEnd: { kind: 'int', min: 1, doc: 'one past the last sample kept; default: all' },
  },
  shape(inp, p) {
    const le = p.lineEnd ?? inp.lines;
    const se = p.sampleEnd ?? inp.samples;
    if (le > inp.lines) return `params.lineEnd: expected at most ${inp.lines} (input lines), got ${le}`;
    if (se > inp.samples) return `params.sampleEnd: expected at most ${inp.samples} (input samples), got ${se}`;
    if (p.lineStart >= le) return `params.lineStart: expected less than lineEnd (${le}), got ${p.lineStart}`;
    if (p.sampleStart >= se) return `params.sampleStart: expected less than sampleEnd (${se}), got ${p.sampleStart}`;
    return { out: { ...inp, lines: le - p.lineStart, samples: se - p.sampleStart } };
  },
  create(inp, p) {
    const L = (p.lineEnd ?? inp.lines) - p.lineStart;
    const S = (p.sampleEnd ?? inp.samples) - p.sampleStart;
    const out = allocData({ ...inp, lines: L, samples: S });
    const y = out.data;
    const c = inp.complex ? 2 : 1;
    const N = inp.samples * c;
    const W = S * c;
    const l0 = p.lineStart;
    const s0 = p.sampleStart * c;
    return {
      out,
      run(x) {
        for (let j = 0; j < L; j++) {
          const o = (l0 + j) * N + s0;
          const q = j * W;
          for (let i = 0; i < W; i++) y[q + i] = x[o + i];
        }
      },
    };
  },
});

export const flip = defineStage({
  type: 'flip',
  doc: 'Reverse the order of lines, samples, or both.',
  accepts: 'any',
  params: { axis: { kind: 'enum', values: ['lines', 'samples', 'both'] as const, default: 'samples', doc: 'what to reverse' } },
  shape: (inp) => ({ out: { ...inp } }),
  create(inp, p) {
    const out = allocData(inp);
    const y = out.data;
    const L = inp.lines;
    const N = inp.samples;
    const c = inp.complex ? 2 : 1;
    const fl = p.axis !== 'samples';
    const fs = p.axis !== 'lines';
    return {
      out,
      run(x) {
        for (let l = 0; l < L; l++) {
          const src = (fl ? L - 1 - l : l) * N * c;
          const dst = l * N * c;
          for (let n = 0; n < N; n++) {
            const sn = (fs ? N - 1 - n : n) * c;
            for (let t = 0; t < c; t++) y[dst + n * c + t] = x[src + sn + t];
          }
        }
      },
    };
  },
});

export const transpose = defineStage({
  type: 'transpose',
  doc: 'Swap lines and samples.',
  accepts: 'any',
  params: {},
  shape: (inp) => ({ out: { ...inp, lines: inp.samples, samples: inp.lines } }),
  create(inp) {
    const out = allocData({ ...inp, lines: inp.samples, samples: inp.lines });
    const y = out.data;
    const L = inp.lines;
    const N = inp.samples;
    const c = inp.complex ? 2 : 1;
    return {
      out,
      run(x) {
        // Tiled to stay cache-friendly on 600×1024 frames.
        const T = 32;
        for (let l0 = 0; l0 < L; l0 += T) {
          for (let n0 = 0; n0 < N; n0 += T) {
            const l1 = Math.min(L, l0 + T);
            const n1 = Math.min(N, n0 + T);
            for (let l = l0; l < l1; l++) for (let n = n0; n < n1; n++) for (let t = 0; t < c; t++) y[(n * L + l) * c + t] = x[(l * N + n) * c + t];
          }
        }
      },
    };
  },
});
