import { describe, expect, it } from 'vitest';
import { createTsProcessor } from './runner';
import light from '../../resources/cascades/light.json';
import reference from '../../resources/cascades/reference.json';
import type { CascadeSpec } from '../shared/cascade-spec';

const small = (): CascadeSpec => ({
  name: 'small',
  input: { lines: 4, samples: 8, dtype: 'uint16', aux: { ref: { dtype: 'uint16' } } },
  stages: [
    { id: 'a', type: 'convert', input: 'input', params: { offset: 10 } },
    { id: 'b', type: 'convert', input: 'a', params: { scale: 2 } },
    { id: 'c', type: 'nlms', input: 'b', aux: { reference: 'aux:ref' }, params: { taps: 2 } },
  ],
  outputs: { display: 'b', e: 'c' },
});

function frame(n: number, v: (i: number) => number) {
  return Uint16Array.from({ length: n }, (_, i) => v(i));
}

describe('TS processor', () => {
  it('runs a frame, exposes outputs and stages, times every stage', () => {
    const p = createTsProcessor();
    expect(p.configure(small())).toEqual({ ok: true });
    expect(p.stages.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(p.outputNames).toEqual(['display', 'e']);
    const input = frame(32, (i) => 10 + i);
    p.run({ input, aux: { ref: frame(32, () => 0) } });
    expect(Array.from(p.output('display').data.subarray(0, 4))).toEqual([0, 2, 4, 6]);
    expect(p.stage('a').data[5]).toBe(5);
    // reference all zero → NLMS weights stay 0 → e = d
    expect(Array.from(p.output('e').data)).toEqual(Array.from(p.output('display').data));
    expect(p.stageMs.length).toBe(3);
    for (const ms of p.stageMs) expect(ms).toBeGreaterThanOrEqual(0);
    expect(p.totalMs).toBeGreaterThanOrEqual(p.stageMs[0]);
  });

  it('keeps output buffers across frames and swaps them on reconfigure', () => {
    const p = createTsProcessor();
    p.configure(small());
    const d1 = p.output('display').data;
    p.run({ input: frame(32, () => 20), aux: { ref: frame(32, () => 1) } });
    p.run({ input: frame(32, () => 30), aux: { ref: frame(32, () => 1) } });
    expect(p.output('display').data).toBe(d1);
    expect(d1[0]).toBe(40);
    const spec = small();
    spec.stages[1].params = { scale: 3 };
    expect(p.configure(spec).ok).toBe(true);
    p.run({ input: frame(32, () => 30), aux: { ref: frame(32, () => 1) } });
    expect(p.output('display').data[0]).toBe(60);
  });

  it('rejects an invalid reconfiguration and keeps running the old one', () => {
    const p = createTsProcessor();
    p.configure(small());
    const bad = small();
    bad.stages[1].params = { scale: 'x' };
    const r = p.configure(bad);
    expect(r).toEqual({ ok: false, errors: ['stages[1].params.scale: expected number, got "x"'] });
    p.run({ input: frame(32, () => 11), aux: { ref: frame(32, () => 0) } });
    expect(p.output('display').data[0]).toBe(2);
  });

  it('refuses frames of the wrong shape or type and missing aux frames', () => {
    const p = createTsProcessor();
    expect(() => p.run({ input: new Uint16Array(1) })).toThrow(/before a successful configure/);
    p.configure(small());
    expect(() => p.run({ input: new Uint16Array(31), aux: { ref: new Uint16Array(32) } })).toThrow(/input frame must be a Uint16Array of 4×8 = 32 values, got Uint16Array of 31/);
    expect(() => p.run({ input: new Float64Array(32), aux: { ref: new Uint16Array(32) } })).toThrow(/got Float64Array/);
    expect(() => p.run({ input: new Uint16Array(32) })).toThrow(/aux frame 'ref' missing/);
    expect(() => p.output('nope')).toThrow(/no output 'nope' \(outputs: display, e\)/);
  });

  it('accepts a device shape override', () => {
    const p = createTsProcessor();
    expect(p.configure(light as CascadeSpec, { lines: 600, samples: 2048, dtype: 'uint16' }).ok).toBe(true);
    expect(p.stage('s3').samples).toBe(1025);
  });

  it('configures the reference preset with the documented outputs', () => {
    const p = createTsProcessor();
    expect(p.configure(reference as CascadeSpec)).toEqual({ ok: true });
    expect(p.outputNames).toEqual(['display', 'env', 'e', 'dec']);
    const d = p.output('display');
    expect([d.lines, d.samples, d.dtype]).toEqual([512, 256, 'uint8']);
    expect(p.output('env').samples).toBe(1024);
  });
});

describe('TS processor clocks', () => {
  const input = () => frame(32, (i) => 10 + i);
  const ref = () => frame(32, () => 0);

  it('keeps the clock option: a counter clock gives 1 ms per stage', () => {
    let tick = 0;
    const p = createTsProcessor({ clock: () => (tick += 1) });
    p.configure(small());
    p.run({ input: input(), aux: { ref: ref() } });
    expect(Array.from(p.stageMs)).toEqual([1, 1, 1]);
    expect(p.totalMs).toBe(3);
    expect(tick).toBe(4);
  });

  it('takes a stamp that writes into a typed array; stage ms are its differences', () => {
    const times = [5, 5.25, 7.75, 8];
    let k = 0;
    const p = createTsProcessor({ stamp: (out, i) => { out[i] = times[k++]; } });
    p.configure(small());
    p.run({ input: input(), aux: { ref: ref() } });
    expect(Array.from(p.stageMs)).toEqual([0.25, 2.5, 0.25]);
    expect(p.totalMs).toBe(3);
  });

  it('refuses both a clock and a stamp, or a stamp that is not a function', () => {
    expect(() => createTsProcessor({ clock: () => 0, stamp: () => {} })).toThrow(/either a clock or a stamp/);
    expect(() => createTsProcessor({ stamp: 1 as never })).toThrow(/stamp must be a function/);
  });
});
