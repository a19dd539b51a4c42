import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPresetDir, loadCascadeArg, resolveCascadeArg } from './presets';

describe('--cascade values (one resolver for every command)', () => {
  const dir = findPresetDir();

  it('finds presets by name, with or without .json, and existing files by path', () => {
    expect(dir).not.toBeNull();
    expect(resolveCascadeArg(dir, 'light')).toBe(join(dir!, 'light.json'));
    expect(resolveCascadeArg(dir, 'reference.json')).toBe(join(dir!, 'reference.json'));
    const tmp = mkdtempSync(join(tmpdir(), 'specula-presets-'));
    const file = join(tmp, 'mine.json');
    writeFileSync(file, JSON.stringify({ name: 'mine', stages: [] }));
    expect(resolveCascadeArg(dir, file)).toBe(file);
    expect(loadCascadeArg(dir, file)).toMatchObject({ name: 'mine' });
    expect(loadCascadeArg(dir, 'light').name).toBeTruthy();
  });

  it('says what it tried when nothing matches, and which file is not JSON', () => {
    expect(() => resolveCascadeArg(dir, 'nosuch')).toThrow(/--cascade nosuch: no such file or preset \(presets in .*: .*light.*reference/);
    expect(() => resolveCascadeArg(dir, '/nope/x.json')).toThrow(/no such file or preset/);
    expect(() => resolveCascadeArg(null, 'light')).toThrow(/none found/);
    expect(() => resolveCascadeArg(dir, '')).toThrow(/expected a cascade JSON file or a preset name/);
    const tmp = mkdtempSync(join(tmpdir(), 'specula-presets-'));
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect(() => loadCascadeArg(dir, bad)).toThrow(/bad\.json is not valid JSON/);
  });
});
