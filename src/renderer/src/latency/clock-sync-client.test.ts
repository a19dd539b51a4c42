import { describe, expect, it } from 'vitest';
import { ClockSyncClient, syncFromOffsetMs } from './clock-sync-client';

/** Deterministic PRNG so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ClockSyncClient with a renderer clock skewed on purpose', () => {
  for (const skewMs of [-86_400_000, -7_000, 0, 3_333.3, 1.7e12 /* epoch-based clock */]) {
    it(`recovers a skew of ${skewMs} ms within the reported uncertainty`, async () => {
      const r = rng(Math.abs(Math.round(skewMs)) + 1);
      let engineNs = 5e12; // engine monotonic time, advanced by the simulated transport
      const skewNs = skewMs * 1e6;
      const rendererNow = () => engineNs + skewNs;
      // asymmetric, noisy delays: request 0.05–3 ms, answer 0.05–12 ms (e.g. a busy renderer)
      const ping = async () => {
        engineNs += (0.05 + r() * 3) * 1e6;
        const tE = engineNs;
        engineNs += (0.05 + r() * 12) * 1e6;
        return tE;
      };
      const client = new ClockSyncClient({ ping, now: rendererNow });
      for (let i = 0; i < 40; i++) {
        await client.exchange();
        engineNs += 20e6;
      }
      const est = client.estimate()!;
      expect(Math.abs(est.offsetNs - -skewNs)).toBeLessThanOrEqual(est.uncertaintyNs + 1000); // +1 µs f64 rounding at 1.7e18
      expect(est.uncertaintyNs).toBe(est.rttMinNs / 2);
      expect(est.rttMinNs).toBeLessThan(4e6);
      expect(est.samples).toBe(40);
      expect(Math.abs(client.engineNowNs()! - engineNs)).toBeLessThanOrEqual(est.uncertaintyNs + 1000);
    });
  }

  it('maps nothing before the first exchange', () => {
    const client = new ClockSyncClient({ ping: async () => 0, now: () => 1e9 });
    expect(() => client.toEngineNs(1)).toThrow(/no ping exchange/);
    expect(client.engineNowNs()).toBeNull();
    expect(client.estimate()).toBeNull();
  });

  it('start() runs the burst and keeps running until stop()', async () => {
    let n = 0;
    const client = new ClockSyncClient({ ping: async () => { n++; return 1e12; }, now: () => 5, burst: 3, burstGapMs: 1, intervalMs: 1 });
    client.start();
    await new Promise((r) => setTimeout(r, 60));
    client.stop();
    const seen = n;
    expect(seen).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 20));
    expect(n).toBe(seen);
  });

  it('adapts a page-clock offset sync', () => {
    const c = { offsetMs: NaN, rttMs: Infinity };
    const s = syncFromOffsetMs(c, () => 1000);
    expect(s.estimate()).toBeNull();
    c.offsetMs = 500;
    c.rttMs = 2;
    expect(s.engineNowNs()).toBe(1500e6);
    expect(s.estimate()).toMatchObject({ offsetNs: 500e6, uncertaintyNs: 1e6 });
  });
});
