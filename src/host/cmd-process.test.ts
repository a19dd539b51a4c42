import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readNpy, writeNpy } from '../shared/npy';
import { createTsProcessor } from '../cascade/runner';
import type { CascadeSpec } from '../shared/cascade-spec';
import { main } from './cmd-process';

const L = 16;
const N = 64;
const spec: CascadeSpec = {
  name: 'mini',
  input: { lines: L, samples: N, dtype: 'uint16', aux: { ref: { dtype: 'uint16' } } },
  stages: [
    { id: 'bg', type: 'background', input: 'input' },
    { id: 'lm', type: 'rfft', input: 'bg', params: { output: 'logmag' } },
    { id: 'e', type: 'nlms', input: 'bg', aux: { reference: 'aux:ref' }, params: { taps: 4, referenceOffset: 32768 } },
    { id: 'd', type: 'decimate-level', input: 'lm', params: { sampleEnd: 32, lines: 8, samples: 16, lo: 0, hi: 100 } },
  ],
  outputs: { display: 'd', e: 'e' },
};

let dir = '';
const out = () => join(dir, 'out');
const frames = (count: number, seed: number) => Uint16Array.from({ length: count * L * N }, (_, i) => 20000 + ((i * 7919 + seed) % 4000));
let errors: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'specula-process-'));
  writeFileSync(join(dir, 'mini.json'), JSON.stringify(spec));
  writeFileSync(join(dir, 'stack.npy'), writeNpy(frames(3, 1), [3, L, N]));
  writeFileSync(join(dir, 'ref1.npy'), writeNpy(frames(1, 5), [L, N]));
  writeFileSync(join(dir, 'ref3.npy'), writeNpy(frames(3, 9), [3, L, N]));
  writeFileSync(join(dir, 'f64.npy'), writeNpy(new Float64Array(L * N), [L, N]));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...spec, stages: [{ ...spec.stages[0], params: { mode: 'median' } }, ...spec.stages.slice(1)] }));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { errors.push(a.join(' ')); });
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => { errors = []; rmSync(out(), { recursive: true, force: true }); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); vi.restoreAllMocks(); });

const run = (...args: string[]) => main(args.map((a) => a.replace('$', dir)));

describe('specula process', () => {
  it('processes a stack, writes output.npy and stage dumps that match a direct run', async () => {
    expect(await run('--cascade', '$/mini.json', '--input', '$/stack.npy', '--aux', 'ref=$/ref3.npy', '--out', '$/out', '--dump-stages')).toBe(0);
    const o = readNpy(readFileSync(join(out(), 'output.npy')));
    expect(o.shape).toEqual([3, 8, 16]);
    expect(o.dtype).toBe('uint8');
    for (const f of ['bg', 'lm', 'e', 'd', 'd.dec']) expect(existsSync(join(out(), `${f}.npy`)), f).toBe(true);
    expect(readNpy(readFileSync(join(out(), 'lm.npy'))).shape).toEqual([3, L, 33]);
    // frame 2 through the processor directly
    const p = createTsProcessor();
    p.configure(spec);
    const all = frames(3, 1);
    const ref = frames(3, 9);
    for (let f = 0; f < 3; f++) p.run({ input: all.subarray(f * L * N, (f + 1) * L * N), aux: { ref: ref.subarray(f * L * N, (f + 1) * L * N) } });
    expect(Array.from(o.data.subarray(2 * 128))).toEqual(Array.from(p.output('display').data));
    const e = readNpy(readFileSync(join(out(), 'e.npy'))).data;
    expect(Array.from(e.subarray(2 * L * N))).toEqual(Array.from(p.output('e').data));
  });

  it('reuses a single aux frame for every input frame and honours --frames', async () => {
    expect(await run('--cascade', '$/mini.json', '--input', '$/stack.npy', '--aux', 'ref=$/ref1.npy', '--out', '$/out', '--frames', '2')).toBe(0);
    expect(readNpy(readFileSync(join(out(), 'output.npy'))).shape).toEqual([2, 8, 16]);
    expect(existsSync(join(out(), 'bg.npy'))).toBe(false);
  });

  it('fails with a clear message on bad input', async () => {
    const cases: [string[], RegExp][] = [
      [['--cascade', '$/mini.json', '--input', '$/nope.npy', '--aux', 'ref=$/ref1.npy', '--out', '$/out'], /nope\.npy: no such file/],
      [['--cascade', '$/mini.json', '--input', '$/stack.npy', '--out', '$/out'], /needs aux input 'ref': pass --aux ref=FILE\.npy/],
      [['--cascade', '$/mini.json', '--input', '$/stack.npy', '--aux', 'ref=$/f64.npy', '--out', '$/out'], /--aux ref: .* float64, but the cascade declares dtype uint16/],
      [['--cascade', '$/mini.json', '--input', '$/stack.npy', '--aux', 'ref=$/ref1.npy', '--aux', 'x=$/ref1.npy', '--out', '$/out'], /declares no aux input 'x'/],
      [['--cascade', '$/bad.json', '--input', '$/stack.npy', '--aux', 'ref=$/ref1.npy', '--out', '$/out'], /stages\[0\]\.params\.mode: expected one of 'frame-mean', 'running-mean', 'fixed', got "median"/],
      [['--cascade', '$/nothing', '--input', '$/stack.npy', '--out', '$/out'], /no such file or preset/],
      [['--cascade', '$/mini.json', '--input', '$/mini.json', '--out', '$/out'], /unsupported input type '\.json'/],
      [['--cascade', '$/mini.json', '--input', '$/mini.json.npy', '--out', '$/out'], /no such file/],
    ];
    for (const [args, re] of cases) {
      errors = [];
      expect(await run(...args), args.join(' ')).toBe(1);
      expect(errors.join('\n')).toMatch(re);
    }
    writeFileSync(join(dir, 'corrupt.npy'), Uint8Array.of(1, 2, 3));
    expect(await run('--cascade', '$/mini.json', '--input', '$/corrupt.npy', '--out', '$/out')).toBe(1);
    expect(errors.join('\n')).toMatch(/corrupt\.npy: npy: not a \.npy file/);
  });

  it('rejects usage errors with status 2', async () => {
    expect(await run('--input', '$/stack.npy')).toBe(2);
    expect(errors.join('\n')).toMatch(/missing --cascade, --out/);
    expect(await run('--cascade', 'x', '--input', 'y', '--out', 'z', '--path', 'gpu')).toBe(2);
    expect(await run('--bogus')).toBe(2);
    expect(await run('--cascade', 'x', '--input', 'y', '--out', 'z', '--aux', 'noequals')).toBe(2);
    expect(errors.join('\n')).toMatch(/--aux expects NAME=FILE/);
  });

  it('finds presets by name', async () => {
    // reference.json expects 600×1024 frames: a 16×64 input is checked against the preset and refused clearly.
    expect(await run('--cascade', 'light', '--input', '$/f64.npy', '--out', '$/out')).toBe(1);
    expect(errors.join('\n')).toMatch(/light\.json: invalid cascade for .*16×64 float64/);
  });

  it('--path fast either runs or explains why it cannot', async () => {
    const code = await run('--cascade', '$/mini.json', '--input', '$/stack.npy', '--aux', 'ref=$/ref1.npy', '--out', '$/out', '--path', 'fast');
    // mini.json is not the reference topology: the fast path (if built) refuses it; if not built, it is unavailable.
    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(/fast path/i);
  });
});
