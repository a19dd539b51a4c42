import { describe, expect, it } from 'vitest';
import { DH, DISPLAY_HEADER_OFFSET, DISPLAY_PIXELS_OFFSET, TIMING_OFFSET } from './display-frame';
import { ClockSyncEstimator, DropSlot, SEGMENT_NAMES, carryDropped, isLatencyMessage } from './latency';

function frame(skipped: number, gap: number, relay: number, renderer: number): Uint8Array {
  const b = new Uint8Array(DISPLAY_PIXELS_OFFSET + 3); // odd length: offsets need not be aligned
  const v = new DataView(b.buffer);
  v.setUint32(DISPLAY_HEADER_OFFSET + DH.skipped, skipped, true);
  v.setUint32(DISPLAY_HEADER_OFFSET + DH.gap, gap, true);
  v.setFloat64(TIMING_OFFSET + DropSlot.relay * 8, relay, true);
  v.setFloat64(TIMING_OFFSET + DropSlot.renderer * 8, renderer, true);
  return b;
}
function read(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset);
  return [v.getUint32(DISPLAY_HEADER_OFFSET + DH.skipped, true), v.getUint32(DISPLAY_HEADER_OFFSET + DH.gap, true), v.getFloat64(TIMING_OFFSET + DropSlot.relay * 8, true), v.getFloat64(TIMING_OFFSET + DropSlot.renderer * 8, true)];
}

describe('latency contract', () => {
  it('names the segments between consecutive hops and end to end', () => {
    expect(SEGMENT_NAMES).toEqual(['acquired→ringWrite', 'ringWrite→pickedUp', 'pickedUp→cascadeDone', 'cascadeDone→sent', 'sent→received', 'received→uploaded', 'uploaded→presented', 'acquired→presented']);
  });

  it('carryDropped folds everything a dropped frame covered into the newer one', () => {
    const older = frame(2, 1, 3, 0);
    const newer = frame(1, 0, 0, 4);
    carryDropped(older, newer, 'renderer');
    expect(read(newer)).toEqual([3, 1, 3, 5]);
    const unaligned = new Uint8Array(DISPLAY_PIXELS_OFFSET + 8).subarray(1);
    carryDropped(newer, unaligned, 'relay');
    expect(read(unaligned)).toEqual([3, 1, 4, 5]);
    expect(() => carryDropped(new Uint8Array(8), newer, 'relay')).toThrow(/display frames/);
  });

  it('clock estimator keeps the minimum round trip and rejects corrupt exchanges', () => {
    const e = new ClockSyncEstimator();
    e.add(100, 1_000_050, 300); // rtt 200
    e.add(1000, 1_001_000, 1100); // rtt 100: better
    e.add(2000, 1_009_999, 2900); // rtt 900: ignored
    expect(e.estimate()).toEqual({ offsetNs: 1_001_000 - 1050, uncertaintyNs: 50, rttMinNs: 100, samples: 3 });
    expect(() => e.add(10, 5, 9)).toThrow(/bad exchange/);
  });

  it('recognises its messages', () => {
    expect(isLatencyMessage({ type: 'clock-ping', id: 1, tRendererNs: 2 })).toBe(true);
    expect(isLatencyMessage({ type: 'event' })).toBe(false);
    expect(isLatencyMessage(null)).toBe(false);
  });
});
