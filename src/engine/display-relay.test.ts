import { afterEach, describe, expect, it } from 'vitest';
import { DH, DISPLAY_HEADER_OFFSET, DISPLAY_PIXELS_OFFSET } from '../shared/display-frame';
import { DType, newFrameHeader, writeFrameHeader } from '../shared/frame-header';
import type { RingProducer } from '../native/api';
import { loadNative } from '../native/load';
import { DisplayRelay } from './display-relay';

const native = loadNative();
const SLOT = 4096;
let ring: RingProducer | null = null;
let relay: DisplayRelay | null = null;
afterEach(() => {
  relay?.close();
  ring?.close(true);
  ring = relay = null;
});

/** A display frame of width × height u8 pixels (all `fill`), padded to the output slot like the worker's sink. */
function frame(seq: number, width: number, height: number, fill: number, dtype = DType.U8): Uint8Array {
  const f = new Uint8Array(SLOT);
  writeFrameHeader(f, { ...newFrameHeader(), channel: 3, seq, lines: 600, samples: 1024, dtype: DType.U16 });
  const v = new DataView(f.buffer);
  v.setUint32(DISPLAY_HEADER_OFFSET + DH.width, width, true);
  v.setUint32(DISPLAY_HEADER_OFFSET + DH.height, height, true);
  v.setUint16(DISPLAY_HEADER_OFFSET + DH.dtype, dtype, true);
  f.fill(fill, DISPLAY_PIXELS_OFFSET, DISPLAY_PIXELS_OFFSET + width * height);
  return f;
}

describe('DisplayRelay', () => {
  it('sizes every delivered frame from its own display header, even when the channel config is stale', () => {
    const name = `/specula-test-relay-${process.pid}`;
    ring = native.createRing({ name, channel: 3, lines: 1, samples: SLOT, dtype: DType.U8, slots: 3 });
    relay = new DisplayRelay(native);
    // The host still believes in the previous cascade's size (1000 bytes)…
    relay.setRing(3, name, 1000);
    const got: { seq: number; length: number; first: number; last: number }[] = [];
    relay.subscribe((l) => got.push({ seq: l.seq, length: l.bytes.byteLength, first: l.bytes[DISPLAY_PIXELS_OFFSET], last: l.bytes[l.bytes.byteLength - 1] }));
    // …while the worker already sends frames of the new one.
    ring.publish(frame(7, 16, 8, 9), 1);
    relay.notify(3);
    ring.publish(frame(8, 32, 8, 5), 2);
    relay.notify(3);
    expect(got).toEqual([
      { seq: 7, length: DISPLAY_PIXELS_OFFSET + 128, first: 9, last: 9 },
      { seq: 8, length: DISPLAY_PIXELS_OFFSET + 256, first: 5, last: 5 },
    ]);
  });

  it('drops (and counts) a frame whose display header does not fit the slot or names no pixel type', () => {
    const name = `/specula-test-relay2-${process.pid}`;
    ring = native.createRing({ name, channel: 3, lines: 1, samples: SLOT, dtype: DType.U8, slots: 3 });
    relay = new DisplayRelay(native);
    relay.setRing(3, name, 352);
    let delivered = 0;
    relay.subscribe(() => { delivered++; });
    ring.publish(frame(1, 64, 64, 1), 1); // 4096 pixels + headers > 4096-byte slot
    relay.notify(3);
    ring.publish(frame(2, 16, 8, 1, 77 as DType), 2);
    relay.notify(3);
    ring.publish(frame(3, 16, 8, 1), 3);
    relay.notify(3);
    expect(delivered).toBe(1);
    expect(relay.stats()[0]).toMatchObject({ channel: 3, relayed: 1, dropped: 2 });
  });
});
