import { describe, expect, it } from 'vitest';
import { DType, FH, FRAME_HEADER_BYTES, FrameFlag, newFrameHeader, readFrameHeader, writeFrameHeader } from './frame-header';

describe('frame header', () => {
  it('round-trips every field, including u64 values above 2^32', () => {
    const buf = new Uint8Array(FRAME_HEADER_BYTES + 8);
    const h = { channel: 7, flags: FrameFlag.Simulated | FrameFlag.Reference, seq: 2 ** 40 + 3, tAcquiredNs: 1_234_567_890_123_456, tRingWriteNs: 1_234_567_890_223_456, lines: 600, samples: 1024, dtype: DType.U16, payloadBytes: 0 };
    writeFrameHeader(buf, h, 8);
    const out = readFrameHeader(buf, newFrameHeader(), 8);
    expect(out).toEqual({ ...h, payloadBytes: 600 * 1024 * 2 });
  });

  it('keeps the documented layout', () => {
    const buf = new Uint8Array(FRAME_HEADER_BYTES);
    writeFrameHeader(buf, { ...newFrameHeader(), channel: 3, lines: 2, samples: 5, dtype: DType.F32 });
    const v = new DataView(buf.buffer);
    expect(v.getUint32(FH.channel, true)).toBe(3);
    expect(v.getUint32(FH.payloadBytes, true)).toBe(40);
    expect(String.fromCharCode(...buf.subarray(0, 4))).toBe('SPFH');
  });

  it('rejects bad magic, unknown dtype and inconsistent payload size with the reason', () => {
    const buf = new Uint8Array(FRAME_HEADER_BYTES);
    expect(() => readFrameHeader(buf)).toThrow(/bad magic/);
    writeFrameHeader(buf, { ...newFrameHeader(), lines: 2, samples: 2 });
    new DataView(buf.buffer).setUint16(FH.dtype, 9, true);
    expect(() => readFrameHeader(buf)).toThrow(/unknown dtype code 9/);
    writeFrameHeader(buf, { ...newFrameHeader(), lines: 2, samples: 2 });
    new DataView(buf.buffer).setUint32(FH.payloadBytes, 5, true);
    expect(() => readFrameHeader(buf)).toThrow(/payloadBytes 5 disagrees/);
    expect(() => readFrameHeader(new Uint8Array(10))).toThrow(/need 64 bytes/);
  });
});
