import { describe, expect, it } from 'vitest';
import { withParam } from './edit';
import { createTsProcessor } from './runner';
import type { CascadeSpec } from '../shared/cascade-spec';

const spec: CascadeSpec = {
  name: 'wl',
  input: { lines: 1, samples: 4, dtype: 'float64' },
  stages: [{ id: 'wl', type: 'window-level', input: 'input', params: { lo: 0, hi: 10 } }],
  outputs: { display: 'wl' },
};

describe('withParam', () => {
  it('changes one parameter without touching the running spec, and the processor picks it up', () => {
    const p = createTsProcessor();
    p.configure(spec);
    const x = Float64Array.of(0, 5, 10, 20);
    p.run({ input: x });
    expect(Array.from(p.output('display').data)).toEqual([0, 128, 255, 255]);
    const next = withParam(spec, 'wl', 'hi', 20);
    expect(spec.stages[0].params).toEqual({ lo: 0, hi: 10 });
    expect(p.configure(next)).toEqual({ ok: true });
    p.run({ input: x });
    expect(Array.from(p.output('display').data)).toEqual([0, 64, 128, 255]);
    // an invalid value is refused with the path, and the previous configuration keeps running
    expect(p.configure(withParam(next, 'wl', 'hi', -1))).toEqual({ ok: false, errors: ['stages[0].params.hi: expected more than lo (0), got -1'] });
    p.run({ input: x });
    expect(Array.from(p.output('display').data)).toEqual([0, 64, 128, 255]);
    expect(withParam(next, 'wl', 'hi', undefined).stages[0].params).toEqual({ lo: 0 });
    expect(() => withParam(spec, 'nope', 'x', 1)).toThrow(/no stage 'nope' \(stages: wl\)/);
  });
});
