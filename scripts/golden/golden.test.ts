/**
 * Golden tests of the TypeScript path against NumPy/SciPy fixtures (scripts/golden/make_golden.py).
 * The TS path is float64 like the fixtures, so tolerances are tight (see cases.json per check).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTsProcessor } from '../../src/cascade/runner';
import { runGoldenCase, type GoldenFile } from '../../src/cascade/golden/harness';
import golden from '../../src/cascade/golden/cases.json';

const dir = new URL('../../src/cascade/golden/', import.meta.url);
const read = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const file = golden as unknown as GoldenFile;

describe(`golden cases (${file.cases.length}, numpy ${file.numpy}, scipy ${file.scipy})`, () => {
  it('covers every stage type with a NumPy/SciPy counterpart', () => {
    const used = new Set(file.cases.flatMap((c) => c.cascade.stages.map((s) => s.type)));
    for (const t of ['convert', 'background', 'window', 'rfft', 'fft', 'complex-part', 'hilbert', 'k-linearize', 'dispersion',
      'sosfilt', 'fir', 'nlms', 'median', 'temporal-average', 'block-mean', 'decimate', 'decimate-level', 'crop', 'flip',
      'transpose', 'window-level', 'stats']) expect(used.has(t), t).toBe(true);
  });
  for (const c of file.cases) {
    it(`${c.name}${c.doc ? ` — ${c.doc}` : ''}`, () => {
      const fails = runGoldenCase(c, createTsProcessor(), read);
      expect(fails.map((f) => `${f.ref}: ${f.message}`)).toEqual([]);
    });
  }
});
