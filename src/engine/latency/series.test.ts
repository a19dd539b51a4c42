import { describe, expect, it } from 'vitest';
import { LatencySeries } from './series';

describe('LatencySeries', () => {
  it('keeps per-step count, mean and max', () => {
    const s = new LatencySeries(8, 100);
    s.record(10e6, 5e6);
    s.record(50e6, 15e6);
    s.record(250e6, 7e6);
    const d = s.toData();
    expect(d.stepS).toBeCloseTo(0.1);
    expect(d.points).toEqual([0, 2, 10, 15, 0.2, 1, 7, 7]);
  });

  it('stays within capacity over a long run by doubling its step, keeping totals and maxima', () => {
    const s = new LatencySeries(16, 100);
    let n = 0;
    let max = 0;
    for (let t = 0; t < 3600e9; t += 33e6) {
      const v = 1e6 + ((t / 33e6) % 97) * 1e5;
      s.record(t, v);
      n++;
      max = Math.max(max, v);
    }
    const d = s.toData();
    expect(d.points.length / 4).toBeLessThanOrEqual(16);
    let total = 0;
    let m = 0;
    for (let i = 0; i < d.points.length; i += 4) {
      total += d.points[i + 1];
      m = Math.max(m, d.points[i + 3]);
    }
    expect(total).toBe(n);
    expect(m).toBeCloseTo(max / 1e6, 9);
    expect(d.stepS * 16).toBeGreaterThanOrEqual(3600);
  });

  it('rejects bad construction', () => {
    expect(() => new LatencySeries(7)).toThrow(/even/);
    expect(() => new LatencySeries(8, 0)).toThrow(/step/);
  });
});
