/** `convert`: cast any real input to float, `y = (x - offset) * scale`. */
import { defineStage, allocData } from '../stage';

export const convert = defineStage({
  type: 'convert',
  doc: 'Cast to float: y = (x - offset) * scale (e.g. unsigned reference channel → signed).',
  accepts: 'real',
  params: {
    offset: { kind: 'number', default: 0, doc: 'subtracted first' },
    scale: { kind: 'number', default: 1, doc: 'then multiplied' },
    dtype: { kind: 'enum', values: ['float64', 'float32'] as const, default: 'float64', doc: 'output type' },
  },
  shape: (inp, p) => ({ out: { lines: inp.lines, samples: inp.samples, dtype: p.dtype, complex: false } }),
  create(inp, p) {
    const out = allocData({ lines: inp.lines, samples: inp.samples, dtype: p.dtype, complex: false });
    const y = out.data as Float64Array | Float32Array;
    const { offset, scale } = p;
    return {
      out,
      run(x) {
        for (let i = 0; i < y.length; i++) y[i] = (x[i] - offset) * scale;
      },
    };
  },
});
