import { describe, expect, it } from 'vitest';
import { validateCascade } from './validate';
import reference from '../../resources/cascades/reference.json';
import light from '../../resources/cascades/light.json';
import oct from '../../resources/cascades/oct-bscan.json';
import averaged from '../../resources/cascades/averaged-spectrum.json';

const base = () => structuredClone(reference) as any;
const errorsOf = (spec: unknown, shape?: Parameters<typeof validateCascade>[1]) => {
  const r = validateCascade(spec, shape);
  return r.ok ? [] : r.errors;
};

describe('validateCascade', () => {
  it('accepts every preset and propagates shapes', () => {
    for (const p of [reference, light, oct, averaged]) expect(errorsOf(p), (p as any).name).toEqual([]);
    const r = validateCascade(reference);
    if (!r.ok) throw new Error('invalid');
    expect(r.plan.stages.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4', 's5', 's6', 's7']);
    expect(r.plan.stages[2].outShape).toEqual({ lines: 600, samples: 513, dtype: 'float64', complex: false });
    expect(r.plan.stages[6].outShape).toEqual({ lines: 512, samples: 256, dtype: 'uint8', complex: false });
    expect(r.plan.stages[6].ports.dec).toEqual({ lines: 512, samples: 256, dtype: 'float64', complex: false });
  });

  it('names the JSON path and the problem for bad params', () => {
    const s = base();
    s.stages[4].params = { order: 0, cutoff: [0.1, 0.2], btype: 'bandpass' };
    expect(errorsOf(s)).toEqual(['stages[4].params.order: expected integer 1..12, got 0']);
    const t = base();
    t.stages[5].params.mu = 'fast';
    t.stages[1].params.kind = 'gauss';
    t.stages[2].params.bogus = 1;
    expect(errorsOf(t)).toEqual([
      "stages[1].params.kind: expected one of 'hann', 'hamming', 'blackman', 'tukey', 'rect', got \"gauss\"",
      'stages[2].params.bogus: unknown parameter (known: output, floor, db, nfft)',
      'stages[5].params.mu: expected number 0..2, got "fast"',
    ]);
  });

  it('rejects unknown stage types, duplicate ids, later/unknown/self references', () => {
    const s = base();
    s.stages[3].type = 'wavelet';
    expect(errorsOf(s)[0]).toMatch(/^stages\[3\]\.type: unknown stage type "wavelet" \(known: convert, background/);
    const d = base();
    d.stages[2].id = 's1';
    expect(errorsOf(d)).toContain("stages[2].id: duplicate id 's1' (also stages[0])");
    const l = base();
    l.stages[1].input = 's5';
    expect(errorsOf(l)).toContain("stages[1].input: stage 's5' is defined later (stages[4]); a stage may only use earlier stages (this also rules out cycles)");
    const c = base();
    c.stages[1].input = 's2';
    expect(errorsOf(c)).toContain("stages[1].input: stage 's2' refers to itself (cycle)");
    const u = base();
    u.stages[1].input = 'nowhere';
    expect(errorsOf(u)).toContain("stages[1].input: unknown stage 'nowhere'");
    const o = base();
    o.outputs.display = 's9';
    expect(errorsOf(o)).toContain("outputs.display: unknown stage 's9'");
    const port = base();
    port.outputs.x = 's7.nope';
    expect(errorsOf(port)).toContain("outputs.x: stage 's7' (decimate-level) has no output port 'nope' (ports: dec)");
  });

  it('checks aux inputs', () => {
    const s = base();
    delete s.stages[5].aux;
    expect(errorsOf(s)).toContain('stages[5].aux.reference: required by \'nlms\' (e.g. "aux:ref" or an earlier stage id)');
    const t = base();
    t.stages[5].aux.reference = 'aux:other';
    expect(errorsOf(t)).toContain("stages[5].aux.reference: aux input 'other' is not declared in input.aux (declared: ref)");
    const v = base();
    v.stages[0].aux = { reference: 'aux:ref' };
    expect(errorsOf(v)).toContain("stages[0].aux.reference: 'background' takes no aux input 'reference'");
  });

  it('checks shapes and kinds of data across stages', () => {
    const s = base();
    s.input.samples = 1000;
    expect(errorsOf(s)).toContain('stages[2].input: rfft needs a power-of-two number of samples, got 1000 (set params.nfft to zero-pad)');
    const t = base();
    t.stages[6].params.sampleEnd = 600;
    expect(errorsOf(t)).toContain('stages[6].params.sampleEnd: expected at most 513 (input samples), got 600');
    const c = { ...base(), stages: [{ id: 'a', type: 'fft', input: 'input' }, { id: 'b', type: 'window', input: 'a' }], outputs: { display: 'b' } };
    expect(errorsOf(c)).toEqual(["stages[1].input: 'window' needs real data, but a is complex (add a complex-part stage)"]);
    // A device shape override is propagated (and checked) too.
    expect(errorsOf(reference, { lines: 100, samples: 256, dtype: 'uint16' })).toContain('stages[6].params.sampleEnd: expected at most 129 (input samples), got 512');
  });

  it('checks the top level', () => {
    expect(errorsOf(null)).toEqual(['(root): expected a JSON object, got null']);
    expect(errorsOf({})).toEqual([
      'name: expected a non-empty string, got nothing',
      'input: expected an object {lines, samples, dtype}, got nothing',
      'stages: expected a non-empty array of stages, got nothing',
      'outputs: expected an object {display: stageId, ...}, got nothing',
    ]);
    const s = base();
    s.input.dtype = 'int32';
    delete s.outputs.display;
    s.extra = 1;
    expect(errorsOf(s)).toEqual([
      'extra: unknown key (known: name, description, input, stages, outputs)',
      "input.dtype: expected one of 'uint8', 'uint16', 'float32', 'float64', got \"int32\"",
      'outputs.display: required (the stage whose output the channel shows)',
    ]);
  });
});
