/** The golden harness must be able to fail: wrong stages and wrong numbers are reported. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTsProcessor } from '../../src/cascade/runner';
import { compare, runGoldenCase, type GoldenFile } from '../../src/cascade/golden/harness';
import golden from '../../src/cascade/golden/cases.json';

const dir = new URL('../../src/cascade/golden/', import.meta.url);
const read = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const file = golden as unknown as GoldenFile;
const byName = (n: string) => structuredClone(file.cases.find((c) => c.name === n)!);

describe('golden harness', () => {
  it('compare() applies atol + rtol·|want| and the uint8 rules', () => {
    const want = Float64Array.of(1, 100, -5);
    expect(compare(Float64Array.of(1, 100, -5), want, { ref: 'x', file: '', rtol: 0, atol: 0 })).toBeNull();
    expect(compare(Float64Array.of(1, 100.05, -5), want, { ref: 'x', file: '', rtol: 1e-3, atol: 0 })).toBeNull();
    expect(compare(Float64Array.of(1, 100.2, -5), want, { ref: 'x', file: '', rtol: 1e-3, atol: 0 })).toMatch(/1 of 3 values/);
    const u = new Uint8Array(1000).fill(7);
    const g = u.slice();
    g[3] = 8;
    expect(compare(g, u, { ref: 'x', file: '', maxLevelDiff: 1, maxFraction: 0.001 })).toBeNull();
    expect(compare(g, u, { ref: 'x', file: '', maxLevelDiff: 0, maxFraction: 0 })).toMatch(/1 of 1000 pixels/);
    g[4] = 9;
    expect(compare(g, u, { ref: 'x', file: '', maxLevelDiff: 1, maxFraction: 0.01 })).toMatch(/max 2 levels/);
  });

  it('reports a wrong stage (hamming where scipy used hann)', () => {
    const c = byName('window_hann_periodic');
    (c.cascade.stages[0].params as Record<string, unknown>).kind = 'hamming';
    const fails = runGoldenCase(c, createTsProcessor(), read);
    expect(fails.length).toBe(1);
    expect(fails[0].message).toMatch(/values outside/);
  });

  it('reports a slightly wrong NLMS step size', () => {
    const c = byName('nlms_16');
    (c.cascade.stages[0].params as Record<string, unknown>).mu = 0.5000001;
    expect(runGoldenCase(c, createTsProcessor(), read).length).toBe(1);
  });

  it('reports a configure error as a failure', () => {
    const c = byName('fir');
    c.cascade.stages[0].type = 'nope';
    const fails = runGoldenCase(c, createTsProcessor(), read);
    expect(fails[0].ref).toBe('(configure)');
    expect(fails[0].message).toMatch(/stages\[0\]\.type: unknown stage type "nope"/);
  });
});
