import { describe, expect, it } from 'vitest';
import { ACK_TIMEOUT_MS, AckWindow, decodeFrameAck, encodeFrameAck, FRAME_ACK_BYTES, FRAME_WINDOW, longestWaiting } from './bridge';

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

describe('AckWindow (one channel’s frames in flight, both transports)', () => {
  it('fills at FRAME_WINDOW, opens on an acknowledgement, ignores acks with nothing outstanding', () => {
    const t = 0;
    const w = new AckWindow(() => t);
    expect(w.full).toBe(false);
    for (let i = 0; i < FRAME_WINDOW; i++) w.sent();
    expect(w.full).toBe(true);
    expect(w.acked()).toBe(true);
    expect(w.full).toBe(false);
    while (w.unacked > 0) w.acked();
    expect(w.acked()).toBe(false); // a late ack of a frame already given up
  });

  it('gives up an acknowledgement only once it is overdue by more than ACK_TIMEOUT_MS, counted from the oldest send', () => {
    let t = 1000;
    const w = new AckWindow(() => t);
    expect(w.expire()).toBe(false); // nothing outstanding
    w.sent();
    t += ACK_TIMEOUT_MS;
    expect(w.expire()).toBe(false);
    t += 1;
    expect(w.expire()).toBe(true);
    expect(w.unacked).toBe(0);
    expect(w.full).toBe(false);
  });
});

describe('longestWaiting (the fairness rule of both client-wide frame windows)', () => {
  it('picks the place waiting longest among the ready ones, null when none is ready', () => {
    const places = [
      { ch: 0, waitingSince: 30, ready: true },
      { ch: 1, waitingSince: 10, ready: false }, // waited longest, but its previous frame is still out
      { ch: 2, waitingSince: 20, ready: true },
      { ch: 3, waitingSince: 25, ready: true },
    ];
    const ready = (p: { ready: boolean }) => p.ready;
    expect(longestWaiting(places, ready)?.ch).toBe(2);
    places[1].ready = true;
    expect(longestWaiting(places, ready)?.ch).toBe(1);
    expect(longestWaiting(places, () => false)).toBeNull();
    expect(longestWaiting([], ready)).toBeNull();
  });
});
