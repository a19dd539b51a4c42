import { describe, expect, it } from 'vitest';
import { Hop, TIMING_OFFSET } from '../../shared/display-frame';
import { FH } from '../../shared/frame-header';
import { WorkerSlot } from '../../shared/latency';
import { FakeSource, type FakeLease } from './fake-source';

const f64 = (b: Uint8Array, slot: number) => new DataView(b.buffer, b.byteOffset).getFloat64(TIMING_OFFSET + slot * 8, true);

describe('FakeSource', () => {
  it('stamps hops with the injected offsets and counts frames it could not lend out', async () => {
    const src = new FakeSource({ channels: 2, fps: 100, driverOffsetMs: 7, pool: 2, delayChannels: [1] });
    const seen: { ch: number; emitted: number; acqToRing: number; seq: number }[] = [];
    const held: FakeLease[] = [];
    src.onFrame((f) => {
      const v = new DataView(f.bytes.buffer);
      const ch = v.getUint32(FH.channel, true);
      seen.push({ ch, seq: v.getUint32(FH.seq, true), emitted: f64(f.bytes, WorkerSlot.emitted), acqToRing: f64(f.bytes, Hop.RingWrite) - f64(f.bytes, Hop.Acquired) });
      if (ch === 0) {
        f.retain(); // channel 0's client never lets go: its pool runs dry
        held.push(f);
      }
    });
    src.start();
    await new Promise((r) => setTimeout(r, 300));
    src.stop();
    const c0 = seen.filter((s) => s.ch === 0);
    const c1 = seen.filter((s) => s.ch === 1);
    expect(c0).toHaveLength(2); // pool of 2, both held
    expect(src.drops()[0]).toBeGreaterThan(10);
    expect(src.drops()[1]).toBe(0);
    expect(c1.length).toBeGreaterThan(10);
    // emitted counts every frame built, lent or dropped: equal to the sequence number here
    for (const s of seen) expect(s.emitted).toBe(s.seq);
    for (const s of c1) expect(s.acqToRing).toBeCloseTo(7e6, -1);
    for (const s of c0) expect(s.acqToRing).toBe(0); // the delay applies to channel 1 only
    for (const h of held) h.release();
    expect(() => held[0].release()).toThrow(/released more often/);
  });

  it('rejects bad options with their name', () => {
    expect(() => new FakeSource({ channels: 0, fps: 30 })).toThrow(/channels must be an integer 1..64/);
    expect(() => new FakeSource({ channels: 1, fps: 30, relayDelayMs: -1 })).toThrow(/relayDelayMs/);
  });
});
