import { describe, expect, it } from 'vitest';
import { DH, DISPLAY_HEADER_OFFSET, DISPLAY_PIXELS_OFFSET, displayFrameBytes } from '../../../shared/display-frame';
import { DType, newFrameHeader, writeFrameHeader } from '../../../shared/frame-header';
import { FrameStore, pixelView } from './frame-store';

function frame(channel: number, seq: number, fill: number, w = 4, h = 2, dtype = DType.U8): Uint8Array {
  const b = new Uint8Array(displayFrameBytes(w, h, dtype));
  writeFrameHeader(b, { ...newFrameHeader(), channel, seq, lines: h, samples: w, dtype: DType.U16 });
  const dv = new DataView(b.buffer);
  dv.setUint32(DISPLAY_HEADER_OFFSET + DH.width, w, true);
  dv.setUint32(DISPLAY_HEADER_OFFSET + DH.height, h, true);
  dv.setUint16(DISPLAY_HEADER_OFFSET + DH.dtype, dtype, true);
  b.fill(fill, DISPLAY_PIXELS_OFFSET);
  return b;
}

describe('FrameStore', () => {
  it('keys frames by the channel id in the header, not by the transport or arrival order', () => {
    const st = new FrameStore();
    // Arrivals interleaved and mislabelled by the transport: port "0" carries a frame of channel 2.
    st.put(frame(1, 1, 11), 1, 0);
    st.put(frame(2, 1, 22), 0, 1);
    st.put(frame(0, 1, 100), 0, 2);
    st.put(frame(3, 1, 33), 2, 3);
    for (const [ch, fill] of [[0, 100], [1, 11], [2, 22], [3, 33]]) {
      const s = st.slot(ch);
      expect(s.pending![DISPLAY_PIXELS_OFFSET], `channel ${ch}`).toBe(fill);
      expect(s.channel).toBe(ch);
    }
    expect(st.slot(2).misrouted).toBe(1);
    expect(st.slot(3).misrouted).toBe(1);
    expect(st.slot(0).misrouted).toBe(0);
  });

  it('is latest-wins per channel and counts what it replaced plus what the transport dropped', () => {
    const st = new FrameStore();
    st.put(frame(5, 1, 1), 5, 0);
    st.put(frame(5, 2, 2), 5, 10, 3);
    const s = st.slot(5);
    expect(s.pending![DISPLAY_PIXELS_OFFSET]).toBe(2);
    expect(s.seq).toBe(2);
    expect(s.dropped).toBe(1 + 3);
    expect(s.lastArrivalMs).toBe(10);
  });

  it('rejects non-frames with the reason and leaves every channel untouched', () => {
    const st = new FrameStore();
    st.put(frame(1, 1, 7), 1, 0);
    const bad = frame(1, 2, 9);
    bad[0] = 0; // magic
    expect(st.put(bad, 1, 1)).toBeNull();
    expect(st.lastError).toMatch(/bad magic/);
    const short = frame(1, 3, 9).subarray(0, DISPLAY_PIXELS_OFFSET + 3);
    expect(st.put(short, 1, 2)).toBeNull();
    expect(st.lastError).toMatch(/needs 232 bytes/);
    expect(st.slot(1).pending![DISPLAY_PIXELS_OFFSET]).toBe(7);
    expect(st.rejected).toBe(2);
  });

  it('computes fps from arrivals and p99 latency from recent samples', () => {
    const st = new FrameStore();
    for (let i = 0; i < 31; i++) st.put(frame(0, i + 1, i), 0, i * 33.333);
    const s = st.slot(0);
    expect(s.fps(1000)).toBeCloseTo(30, 1);
    expect(s.fps(5000)).toBe(0); // nothing for 4 s: not 30 fps
    for (let i = 1; i <= 100; i++) s.noteLatency(i);
    expect(s.latencyQuantile(0.99)).toBeGreaterThanOrEqual(99);
    expect(s.latencyQuantile(0.5)).toBeGreaterThan(60); // only the last 64 samples count
  });

  it('judges a channel on the cadence it actually keeps, within [nominal, 4× nominal]', () => {
    const st = new FrameStore();
    const s = st.slot(0);
    expect(s.periodMs(33.3)).toBe(33.3); // too few frames: nominal
    for (let i = 0; i < 20; i++) st.put(frame(0, i + 1, i), 0, i * 100); // delivered at 10 fps
    expect(s.periodMs(33.3)).toBe(100);
    for (let i = 0; i < 20; i++) st.put(frame(0, 100 + i, i), 0, 5000 + i * 1000); // 1 fps
    expect(s.periodMs(33.3)).toBeCloseTo(133.2); // capped at 4× nominal
    for (let i = 0; i < 20; i++) st.put(frame(0, 200 + i, i), 0, 40_000 + i * 10); // faster than nominal
    expect(s.periodMs(33.3)).toBe(33.3);
  });

  it('views float32 pixels in place and u16 as byte pairs', () => {
    const st = new FrameStore();
    const f = frame(0, 1, 0, 2, 2, DType.F32);
    new Float32Array(f.buffer, DISPLAY_PIXELS_OFFSET, 4).set([0.5, 1, 2, 3]);
    const s = st.put(f, 0, 0)!;
    const v = pixelView(f, s);
    expect(v).toBeInstanceOf(Float32Array);
    expect(Array.from(v)).toEqual([0.5, 1, 2, 3]);
    const g = frame(1, 1, 0, 2, 2, DType.U16);
    const s2 = st.put(g, 1, 0)!;
    expect(pixelView(g, s2).byteLength).toBe(8);
  });
});
