/**
 * `temporal-average`: average across frames, per pixel.
 * - `boxcar`: mean of the last `frames` frames (fewer at start-up), kept in a ring of frame copies;
 * - `exponential`: y ← (1-alpha)·y + alpha·x, the first frame initialises y.
 */
import { defineStage, allocData, f64Shape } from '../stage';

export const temporalAverage = defineStage({
  type: 'temporal-average',
  doc: 'Average across frames: boxcar over the last K frames or exponential.',
  accepts: 'real',
  params: {
    mode: { kind: 'enum', values: ['boxcar', 'exponential'] as const, default: 'boxcar', doc: 'averaging kind' },
    frames: { kind: 'int', min: 1, max: 64, default: 4, doc: 'boxcar: number of frames' },
    alpha: { kind: 'number', min: 0, max: 1, default: 0.25, doc: 'exponential: weight of the newest frame' },
  },
  shape: (inp) => ({ out: f64Shape(inp.lines, inp.samples) }),
  create(inp, p) {
    const size = inp.lines * inp.samples;
    const out = allocData(f64Shape(inp.lines, inp.samples));
    const y = out.data as Float64Array;
    const K = p.mode === 'boxcar' ? p.frames : 0;
    const ring = Array.from({ length: K }, () => new Float64Array(size));
    const alpha = p.alpha;
    let count = 0;
    let head = 0;
    return {
      out,
      reset() { count = 0; head = 0; },
      run(x) {
        if (K === 0) {
          if (count === 0) { for (let i = 0; i < size; i++) y[i] = x[i]; count = 1; return; }
          for (let i = 0; i < size; i++) y[i] = (1 - alpha) * y[i] + alpha * x[i];
          return;
        }
        const slot = ring[head];
        for (let i = 0; i < size; i++) slot[i] = x[i];
        head = (head + 1) % K;
        if (count < K) count++;
        // Recompute the mean from the stored frames (a running sum would drift).
        const first = ring[(head - count + K) % K];
        for (let i = 0; i < size; i++) y[i] = first[i];
        for (let j = 1; j < count; j++) {
          const f = ring[(head - count + j + K) % K];
          for (let i = 0; i < size; i++) y[i] += f[i];
        }
        const inv = count;
        for (let i = 0; i < size; i++) y[i] /= inv;
      },
    };
  },
});
