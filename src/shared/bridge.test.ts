import { describe, expect, it } from 'vitest';
import { decodeFrameAck, encodeFrameAck, FRAME_ACK_BYTES } from './bridge';

describe('frame acknowledgement (web mode, client → server)', () => {
  it('round-trips any uint32 channel id as 4 little-endian bytes', () => {
    const buf = new Uint8Array(8);
    for (const ch of [0, 1, 255, 256, 65_535, 0x12345678, 0xffffffff]) {
      const b = encodeFrameAck(ch, buf);
      expect(b.byteLength).toBe(FRAME_ACK_BYTES);
      expect(decodeFrameAck(b)).toBe(ch);
    }
    expect(Array.from(encodeFrameAck(0x01020304, buf))).toEqual([4, 3, 2, 1]);
  });

  it('refuses bad channel ids and short buffers, and reads other messages as no ack', () => {
    expect(() => encodeFrameAck(-1, new Uint8Array(4))).toThrow(/channel must be a uint32/);
    expect(() => encodeFrameAck(1.5, new Uint8Array(4))).toThrow(/channel must be a uint32/);
    expect(() => encodeFrameAck(1, new Uint8Array(3))).toThrow(/3 bytes is shorter than 4/);
    expect(decodeFrameAck(new Uint8Array(3))).toBeNull();
    expect(decodeFrameAck(new Uint8Array(64))).toBeNull();
  });
});
