import { describe, expect, it } from 'vitest';
import { DH, DISPLAY_HEADER_OFFSET, DISPLAY_PIXELS_OFFSET, Hop, TIMING_OFFSET } from '../../../shared/display-frame';
import { DType, newFrameHeader, writeFrameHeader } from '../../../shared/frame-header';
import { ACK_STRIDE, AckField, AckState, carryDropped, type LatencyAckParams } from '../../../shared/latency';
import type { SyncSource } from './clock-sync-client';
import { LatencyProbe } from './probe';

function frame(channel: number, seq: number, tAcq: number, skipped = 0): Uint8Array {
  const b = new Uint8Array(DISPLAY_PIXELS_OFFSET + 16);
  const h = newFrameHeader();
  Object.assign(h, { channel, seq, tAcquiredNs: tAcq, tRingWriteNs: tAcq + 1e5, lines: 4, samples: 4, dtype: DType.U8 });
  writeFrameHeader(b, h);
  const v = new DataView(b.buffer);
  for (let i = 0; i < 5; i++) v.setFloat64(TIMING_OFFSET + i * 8, tAcq + i * 1e6, true);
  v.setUint32(DISPLAY_HEADER_OFFSET + DH.skipped, skipped, true);
  return b;
}

function fakeSync(): SyncSource & { t: number; synced: boolean } {
  const s = {
    t: 10e9,
    synced: true,
    nowNs: () => s.t, // offset 0: renderer clock = engine clock
    offsetNs: () => (s.synced ? 0 : NaN),
    estimate: () => (s.synced ? { offsetNs: 0, uncertaintyNs: 1e5, rttMinNs: 2e5, samples: 5 } : null),
    engineNowNs: () => (s.synced ? s.t : null),
  };
  return s;
}

describe('LatencyProbe', () => {
  it('takes upload and presentation times measured elsewhere (the GL worker) as given', () => {
    const sync = fakeSync();
    const sent: LatencyAckParams[] = [];
    const rafs: (() => void)[] = [];
    const p = new LatencyProbe({ send: (m) => { sent.push(m); }, sync, raf: (cb) => rafs.push(cb) });
    const a = frame(2, 7, sync.t - 10e6);
    p.received(a); // at t
    p.uploaded(a, sync.t + 3e6);
    p.presented(a, sync.t + 20e6);
    expect(rafs).toHaveLength(0); // no animation frame needed: the time is known
    sync.t += 50e6; // the notice reached the page much later: irrelevant
    p.flush();
    const r = sent[0].rows;
    const st = (h: Hop) => r[AckField.stamps + h];
    expect(r[AckField.state]).toBe(AckState.Presented);
    expect(st(Hop.Uploaded) - st(Hop.Received)).toBe(3e6);
    expect(st(Hop.Presented) - st(Hop.Received)).toBe(20e6);
    expect(p.presentedCount).toBe(1);
  });

  it('stamps renderer hops on the engine clock, presented at the next animation frame', () => {
    const sync = fakeSync();
    const sent: LatencyAckParams[] = [];
    const rafs: (() => void)[] = [];
    const p = new LatencyProbe({ send: (m) => { sent.push(m); }, sync, raf: (cb) => rafs.push(cb) });
    const a = frame(1, 41, sync.t - 10e6, 2);
    sync.t += 1e6;
    p.received(a);
    sync.t += 2e6;
    p.uploaded(a);
    sync.t += 1e6;
    p.presented(a);
    p.flush(); // not stamped yet: nothing goes out
    expect(sent).toHaveLength(0);
    expect(rafs).toHaveLength(1);
    sync.t += 5e6;
    rafs[0]();
    p.flush();
    expect(sent).toHaveLength(1);
    const r = sent[0].rows;
    expect(r).toHaveLength(ACK_STRIDE);
    expect([r[AckField.channel], r[AckField.seq], r[AckField.skipped], r[AckField.state]]).toEqual([1, 41, 2, AckState.Presented]);
    const st = (h: Hop) => r[AckField.stamps + h];
    expect(st(Hop.Received) - st(Hop.Acquired)).toBe(11e6);
    expect(st(Hop.Uploaded) - st(Hop.Received)).toBe(2e6);
    expect(st(Hop.Presented) - st(Hop.Uploaded)).toBe(6e6); // 1 ms to the call + 5 ms to the next frame
    expect(sent[0].sync?.rttMinNs).toBe(2e5);
    expect(p.presentedCount).toBe(1);
  });

  it('moves stamps made with another sync onto its own mapping', () => {
    const sync = fakeSync(); // offset 0
    let otherOffset = 3e6;
    const other = { nowNs: () => sync.t, offsetNs: () => otherOffset, estimate: () => ({ offsetNs: otherOffset, uncertaintyNs: 5e6, rttMinNs: 1e7, samples: -1 }), engineNowNs: () => sync.t + otherOffset };
    const sent: LatencyAckParams[] = [];
    const p = new LatencyProbe({ send: (m) => { sent.push(m); }, sync, stampedWith: other, presentAt: 'call' });
    const f = frame(0, 1, 9e9);
    const v = new DataView(f.buffer);
    v.setFloat64(TIMING_OFFSET + Hop.Received * 8, sync.t + 3e6, true); // stamped by `other`
    p.presented(f); // first sight of the other mapping: it may just have changed, not trusted yet
    sync.t += 3e9;
    p.presented(f); // stable for 3 s: moved onto our mapping
    p.flush();
    expect(sent[0].rows[AckField.stamps + Hop.Received]).toBe(0);
    expect(sent[0].rows[ACK_STRIDE + AckField.stamps + Hop.Received]).toBe(sync.t - 3e9);
    otherOffset = 4e6; // the other mapping just moved: the stamp's offset is unknown
    p.presented(f);
    sync.t += 3e9;
    sync.synced = false; // no own mapping at flush: renderer hops are sent unset, never guessed
    p.presented(f);
    p.flush();
    expect(sent[1].rows[AckField.stamps + Hop.Received]).toBe(0);
    expect(sent[1].rows[ACK_STRIDE + AckField.stamps + Hop.Received]).toBe(0);
    expect(sent[1].rows[ACK_STRIDE + AckField.stamps + Hop.Presented]).toBe(0);
  });

  it('acks dropped frames and carried drops so the engine can account for every frame', () => {
    const sync = fakeSync();
    const sent: LatencyAckParams[] = [];
    const p = new LatencyProbe({ send: (m) => { sent.push(m); }, sync, presentAt: 'call' });
    const a = frame(0, 5, 1e9, 1);
    const b = frame(0, 6, 1e9);
    const c = frame(0, 8, 1e9, 1);
    p.dropped(a);
    carryDropped(b, c, 'renderer'); // b replaced by c somewhere upstream of the probe
    p.presented(c);
    p.flush();
    const rows = sent[0].rows;
    expect(rows).toHaveLength(2 * ACK_STRIDE);
    expect(rows[AckField.state]).toBe(AckState.RendererDropped);
    expect(rows[ACK_STRIDE + AckField.rendererDropped]).toBe(1);
    expect(rows[ACK_STRIDE + AckField.skipped]).toBe(1);
  });

  it('acks frames presented before the clock sync without renderer stamps, flushes early when full', () => {
    const sync = fakeSync();
    sync.synced = false;
    const sent: LatencyAckParams[] = [];
    const p = new LatencyProbe({ send: (m) => { sent.push(m); }, sync, presentAt: 'call', capacity: 2 });
    const f = frame(0, 1, 1e9);
    new DataView(f.buffer).setFloat64(TIMING_OFFSET + Hop.Received * 8, 123, true); // stale stamp of another clock
    p.presented(f);
    p.presented(frame(0, 2, 1e9));
    p.presented(frame(0, 3, 1e9)); // buffer full: flushes the first two
    expect(sent).toHaveLength(1);
    expect(sent[0].rows[AckField.stamps + Hop.Presented]).toBe(0);
    expect(sent[0].rows[AckField.stamps + Hop.Received]).toBe(0);
    expect(sent[0].sync).toBeNull();
  });

  it('counts a failed send instead of throwing into the draw loop', async () => {
    const p = new LatencyProbe({ send: () => Promise.reject(new Error('engine unreachable')), sync: fakeSync(), presentAt: 'call' });
    p.presented(frame(0, 1, 1e9));
    p.flush();
    await new Promise((r) => setTimeout(r, 0));
    expect(p.sendErrors).toBe(1);
    expect(p.lastSendError).toMatch(/unreachable/);
  });

  it('rejects a buffer too short to be a display frame', () => {
    const p = new LatencyProbe({ send: () => {}, sync: fakeSync() });
    expect(() => p.presented(new Uint8Array(10))).toThrow(/shorter than a display frame header/);
  });
});
