/**
 * `window-level`: map [lo, hi] to display values: `uint8` (u8 = clip(floor((x-lo)·255/(hi-lo) + 0.5), 0, 255),
 * reference S7 rounding) or float (`float32`/`float64`, clip((x-lo)/(hi-lo), 0, 1)).
 */
import { defineStage, allocData } from '../stage';
import { levelU8 } from './decimate';

export const windowLevel = defineStage({
  type: 'window-level',
  doc: 'Window/level to a display image: uint8 0..255 or float 0..1.',
  accepts: 'real',
  params: {
    lo: { kind: 'number', default: 40, doc: 'value shown as black' },
    hi: { kind: 'number', default: 120, doc: 'value shown as white' },
    output: { kind: 'enum', values: ['uint8', 'float32', 'float64'] as const, default: 'uint8', doc: 'display type' },
  },
  shape(inp, p) {
    if (!(p.hi > p.lo)) return `params.hi: expected more than lo (${p.lo}), got ${p.hi}`;
    return { out: { lines: inp.lines, samples: inp.samples, dtype: p.output, complex: false } };
  },
  create(inp, p) {
    const out = allocData({ lines: inp.lines, samples: inp.samples, dtype: p.output, complex: false });
    const lo = p.lo;
    const span = p.hi - p.lo;
    if (p.output === 'uint8') {
      const u8 = out.data as Uint8Array;
      const sc = 255 / span;
      return { out, run(x) { levelU8(x, u8, lo, sc); } };
    }
    const y = out.data as Float32Array | Float64Array;
    return {
      out,
      run(x) {
        for (let i = 0; i < y.length; i++) {
          const t = (x[i] - lo) / span;
          y[i] = t > 1 ? 1 : t >= 0 ? t : 0;
        }
      },
    };
  },
});
