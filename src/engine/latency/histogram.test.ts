import { describe, expect, it } from 'vitest';
import { BUCKETS, LatencyHistogram, bucketHighUs, bucketLowUs, bucketOf } from './histogram';

/** Exact nearest-rank quantile, the definition the histogram approximates. */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('log-linear buckets', () => {
  it('are contiguous, increasing and contain their values', () => {
    for (let i = 1; i < BUCKETS; i++) expect(bucketLowUs(i)).toBe(bucketHighUs(i - 1));
    for (const us of [0, 1, 63.9, 64, 65, 127, 128, 1000, 12_345.6, 99_999, 2 ** 31 + 5]) {
      const i = bucketOf(us);
      expect(bucketLowUs(i)).toBeLessThanOrEqual(us);
      expect(bucketHighUs(i)).toBeGreaterThan(us);
    }
  });
  it('are at most 1/64 of their lower bound wide above 64 µs', () => {
    for (let i = 64; i < BUCKETS; i++) expect((bucketHighUs(i) - bucketLowUs(i)) / bucketLowUs(i)).toBeLessThanOrEqual(1 / 64 + 1e-12);
  });
});

describe('LatencyHistogram', () => {
  it('percentiles match exact percentiles within the bucket error', () => {
    const r = rng(7);
    for (const dist of ['lognormal', 'uniform', 'bimodal'] as const) {
      const h = new LatencyHistogram();
      const vals: number[] = [];
      for (let i = 0; i < 50_000; i++) {
        let ms: number;
        if (dist === 'uniform') ms = 0.01 + r() * 200;
        else if (dist === 'bimodal') ms = r() < 0.9 ? 8 + r() * 2 : 80 + r() * 40;
        else ms = Math.exp(Math.log(12) + 0.6 * Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()));
        const ns = ms * 1e6;
        h.record(ns);
        vals.push(ns);
      }
      vals.sort((a, b) => a - b);
      for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
        const exact = exactQuantile(vals, q);
        const est = h.quantileNs(q);
        // half a bucket: 1/128 relative, at least 0.5 µs
        expect(Math.abs(est - exact)).toBeLessThanOrEqual(Math.max(500, exact / 128) + 1e-6);
      }
      expect(h.maxNs).toBe(vals[vals.length - 1]);
      expect(h.minNs).toBe(vals[0]);
      expect(h.count).toBe(vals.length);
    }
  });

  it('merge equals recording everything into one', () => {
    const r = rng(3);
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const all = new LatencyHistogram();
    for (let i = 0; i < 5000; i++) {
      const v = r() * 5e7;
      (i % 3 ? a : b).record(v);
      all.record(v);
    }
    a.merge(b);
    expect(Array.from(a.counts)).toEqual(Array.from(all.counts));
    expect(a.count).toBe(all.count);
    expect(a.quantileNs(0.99)).toBe(all.quantileNs(0.99));
    expect(a.maxNs).toBe(all.maxNs);
  });

  it('keeps negatives counted and the exact minimum, rejects non-finite values', () => {
    const h = new LatencyHistogram();
    h.record(-2000);
    h.record(5e6);
    expect(h.negative).toBe(1);
    expect(h.minNs).toBe(-2000);
    expect(h.quantileNs(0.5)).toBeLessThan(1000);
    expect(() => h.record(NaN)).toThrow(/finite/);
    expect(() => h.quantileNs(1.5)).toThrow(/quantile/);
    expect(new LatencyHistogram().quantileNs(0.5)).toBeNaN();
  });

  it('memory is fixed: recording a million values allocates no bucket storage', () => {
    const h = new LatencyHistogram();
    const before = h.counts.byteLength;
    const r = rng(11);
    for (let i = 0; i < 1_000_000; i++) h.record(r() * 1e12);
    expect(h.counts.byteLength).toBe(before);
    expect(before).toBeLessThan(16 * 1024);
  });
});
