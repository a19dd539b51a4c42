import { youngBytesPerRun } from './heap-probe.test-util';
import { describe, expect, it } from 'vitest';
import { loadStageStamp, tsStageTiming, createTimedTsProcessor } from './cascade-fast-clock';
import { loadCascadeModule } from './cascade-fast-addon';
import { loadNative } from './load';
import { createTsProcessor } from '../cascade/runner';
import type { CascadeSpec } from '../shared/cascade-spec';

/** A few real stages of different cost, any geometry. */
const spec: CascadeSpec = {
  name: 'clock-test',
  input: { lines: 64, samples: 256, dtype: 'uint16' },
  stages: [
    { id: 'bg', type: 'background', input: 'input', params: { mode: 'frame-mean' } },
    { id: 'win', type: 'window', input: 'bg', params: { kind: 'hann' } },
    { id: 'spec', type: 'rfft', input: 'win', params: { output: 'logmag' } },
    { id: 'env', type: 'hilbert', input: 'win', params: { output: 'envelope' } },
    { id: 'img', type: 'window-level', input: 'spec', params: { lo: 40, hi: 120 } },
  ],
  outputs: { display: 'img', env: 'env' },
};

// The addon is built by `node scripts/build-native.mjs` (npm test does it first).
const loaded = loadStageStamp();
const stamp = loaded.stamp;

describe.skipIf(!stamp)('compiled stage stamp (native/cascade/stamp.cc)', () => {
  const st = stamp as NonNullable<typeof stamp>;

  it('writes CLOCK_MONOTONIC in ms: the engine clock (monotonicNs) brackets every stamp', () => {
    const engine = loadNative();
    const out = new Float64Array(3);
    for (let i = 0; i < 200; i++) {
      const before = engine.monotonicNs() / 1e6;
      st(out, 1);
      const after = engine.monotonicNs() / 1e6;
      // ms of the same clock: inside [before, after] (1 ns of slack for the double rounding of ns / 1e6)
      expect(out[1]).toBeGreaterThanOrEqual(before - 1e-6);
      expect(out[1]).toBeLessThanOrEqual(after + 1e-6);
    }
    expect(out[0]).toBe(0);
    expect(out[2]).toBe(0);
  });

  it('is monotonic, has sub-millisecond resolution and measures elapsed ms', () => {
    const out = new Float64Array(2000);
    for (let i = 0; i < out.length; i++) st(out, i);
    let distinct = 0;
    for (let i = 1; i < out.length; i++) {
      expect(out[i]).toBeGreaterThanOrEqual(out[i - 1]);
      if (out[i] !== out[i - 1]) distinct++;
    }
    // 2000 calls take far less than 2000 ms, yet most stamps differ: resolution well below 1 ms
    expect(out[out.length - 1] - out[0]).toBeLessThan(2000);
    expect(distinct).toBeGreaterThan(out.length / 2);
    expect(out.some((v) => v !== Math.round(v))).toBe(true);
    // elapsed: a 30 ms busy wait on the engine clock reads as ~30 ms
    const engine = loadNative();
    const t = new Float64Array(2);
    st(t, 0);
    const end = engine.monotonicNs() + 30e6;
    while (engine.monotonicNs() < end) { /* spin */ }
    st(t, 1);
    expect(t[1] - t[0]).toBeGreaterThanOrEqual(30);
    expect(t[1] - t[0]).toBeLessThan(30 + 500); // generous: the machine is shared
  });

  it('writes into views at their offset', () => {
    const whole = new Float64Array(4);
    st(whole.subarray(2), 1);
    expect(whole[0] + whole[1] + whole[2]).toBe(0);
    expect(whole[3]).toBeGreaterThan(0);
  });

  it('refuses a wrong array or index with a clear error', () => {
    expect(() => st(new Float32Array(2) as unknown as Float64Array, 0)).toThrow(/out must be a Float64Array/);
    expect(() => st([0] as unknown as Float64Array, 0)).toThrow(TypeError);
    expect(() => st(new Float64Array(2), 2)).toThrow(RangeError);
    expect(() => st(new Float64Array(2), -1)).toThrow(/index must be an integer within out's length/);
    expect(() => st(new Float64Array(2), 'x' as unknown as number)).toThrow(RangeError);
  });

  it('is exported whether or not the SIMD kernel can run on this CPU', () => {
    const m = loadCascadeModule();
    expect(m.addon && typeof m.addon.stampMs).toBe('function');
  });

  it('times the TS runner: per-stage ms are differences of engine-clock stamps and sum to the total', () => {
    const engine = loadNative();
    const seen: number[] = [];
    const p = createTsProcessor({ stamp: (out, i) => { st(out, i); seen.push(out[i]); } });
    expect(p.configure(spec)).toEqual({ ok: true });
    const input = Uint16Array.from({ length: 64 * 256 }, (_, i) => 3000 + ((i * 7919) % 500));
    for (let f = 0; f < 3; f++) {
      seen.length = 0;
      const before = engine.monotonicNs() / 1e6;
      p.run({ input });
      const after = engine.monotonicNs() / 1e6;
      const n = p.stages.length;
      expect(seen.length).toBe(n + 1);
      expect(seen[0]).toBeGreaterThanOrEqual(before - 1e-6);
      expect(seen[n]).toBeLessThanOrEqual(after + 1e-6);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        expect(p.stageMs[i]).toBe(seen[i + 1] - seen[i]);
        expect(p.stageMs[i]).toBeGreaterThanOrEqual(0);
        sum += p.stageMs[i];
      }
      expect(p.totalMs).toBe(seen[n] - seen[0]);
      expect(Math.abs(sum - p.totalMs)).toBeLessThan(1e-6);
      expect(p.totalMs).toBeLessThanOrEqual(after - before + 1e-6);
      expect(p.totalMs).toBeGreaterThan(0);
    }
  });

  it('the TS runner timed with it allocates nothing per frame (performance.now() would)', () => {
    const perRun = (body: () => void, pick: 'min' | 'max' = 'min') => youngBytesPerRun(body, pick, 5000);
    const p = createTimedTsProcessor();
    expect(p.configure(spec, { lines: 4, samples: 32, dtype: 'uint16' })).toEqual({ ok: true });
    const frame = { input: new Uint16Array(4 * 32).fill(1000) };
    for (let i = 0; i < 3000; i++) p.run(frame);
    expect(perRun(() => p.run(frame))).toBeLessThan(8);
    const q = createTsProcessor({ clock: () => performance.now() });
    q.configure(spec, { lines: 4, samples: 32, dtype: 'uint16' });
    for (let i = 0; i < 3000; i++) q.run(frame);
    expect(perRun(() => q.run(frame), 'max')).toBeGreaterThanOrEqual(8);
  });

  it('tsStageTiming / createTimedTsProcessor inject it', () => {
    expect(tsStageTiming().stamp).toBe(st);
    const p = createTimedTsProcessor();
    expect(p.configure(spec, { lines: 8, samples: 64, dtype: 'uint16' })).toEqual({ ok: true });
    const engine = loadNative();
    const before = engine.monotonicNs() / 1e6;
    p.run({ input: new Uint16Array(8 * 64).fill(1000) });
    const after = engine.monotonicNs() / 1e6;
    expect(p.totalMs).toBeGreaterThan(0);
    expect(p.totalMs).toBeLessThanOrEqual(after - before + 1e-6);
  });
});

describe('without the addon', () => {
  it('falls back to performance.now() (no stamp option) with a reason', () => {
    if (loaded.stamp) expect(Object.keys(tsStageTiming())).toEqual(['stamp']);
    else {
      expect(loaded.reason).toMatch(/compiled stage clock unavailable/);
      expect(tsStageTiming()).toEqual({});
    }
  });
});
