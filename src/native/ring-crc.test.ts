/**
 * CRC-32 folded into the ring copy (ReadInfo.crc32): equals zlib.crc32 of the frame as copied
 * (64-byte header + payload) for random payload sizes (tails of 0..63 bytes, sizes below and above
 * the 64-byte fold block), on readNext, readLatest and waitRead; absent with a short info array.
 */
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DType } from '../shared/frame-header';
import { ringName } from '../shared/device';
import { READ_INFO_LENGTH, READ_INFO_LENGTH_WITH_CRC, ReadInfo, ReadStatus } from './api';
import { loadNative } from './load';
import { cleanShm, testPrefix } from './test-helpers';

const n = loadNative();
const prefix = testPrefix('crc');
afterAll(() => cleanShm(prefix));

let x = 0x9e3779b9;
const rnd = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
let counter = 0;

function ring(samples: number, lines = 1, dtype = DType.U8) {
  const name = ringName(prefix, counter++);
  const p = n.createRing({ name, channel: 3, lines, samples, dtype, slots: 3 });
  const c = n.openRing(name);
  return { p, c, src: new Uint8Array(p.payloadBytes), hdr: new Uint8Array(64), pay: new Uint8Array(p.payloadBytes) };
}

const frameCrc = (hdr: Uint8Array, pay: Uint8Array): number => zlib.crc32(pay, zlib.crc32(hdr));

describe('CRC-32 in the ring copy', () => {
  it('equals zlib.crc32 of header + payload for random sizes (readNext and readLatest)', () => {
    const info = new Float64Array(READ_INFO_LENGTH_WITH_CRC);
    // [lines, samples] of U8 frames; the last fixed one is the product's 600 × 1024 × u16 frame size.
    const geoms: [number, number][] = [[1, 1], [1, 15], [1, 16], [1, 17], [1, 63], [1, 64], [1, 65], [1, 127], [1, 128], [1, 129], [1, 4096], [600, 2048]];
    for (let i = 0; i < 40; i++) geoms.push([1 + (rnd() % 4), 1 + (rnd() % 65536)]);
    for (const [lines, samples] of geoms) {
      const size = lines * samples;
      const r = ring(samples, lines);
      try {
        for (let k = 0; k < 3; k++) {
          for (let j = 0; j < size; j++) r.src[j] = rnd() & 0xff;
          r.p.publish(r.src, n.monotonicNs(), 0);
          const next = k % 2 === 0;
          info[ReadInfo.crc32] = -5;
          expect(next ? r.c.readNext(r.hdr, r.pay, info) : r.c.readLatest(r.hdr, r.pay, info)).toBe(ReadStatus.Frame);
          expect(Buffer.from(r.pay).equals(Buffer.from(r.src))).toBe(true);
          expect(info[ReadInfo.crc32], `size ${size}`).toBe(frameCrc(r.hdr, r.pay));
        }
        expect(r.c.readNext(r.hdr, r.pay, info)).toBe(ReadStatus.NoNewFrame);
        expect(info[ReadInfo.crc32]).toBe(-1);
      } finally {
        r.c.close();
        r.p.close();
      }
    }
  });

  it('covers multi-byte dtypes and the waitRead copy; a short info array is left alone', async () => {
    const r = ring(333, 7, DType.U16);
    try {
      for (let j = 0; j < r.src.length; j++) r.src[j] = rnd() & 0xff;
      const info = new Float64Array(READ_INFO_LENGTH_WITH_CRC);
      const st = await new Promise<number>((res) => { r.c.waitRead(r.hdr, r.pay, info, 2000, res); r.p.publish(r.src, n.monotonicNs(), 0); });
      expect(st).toBe(ReadStatus.Frame);
      expect(info[ReadInfo.crc32]).toBe(frameCrc(r.hdr, r.pay));
      const short = new Float64Array(READ_INFO_LENGTH + 0);
      r.p.publish(r.src, n.monotonicNs(), 0);
      expect(r.c.readNext(r.hdr, r.pay, short)).toBe(ReadStatus.Frame);
      expect(short.length).toBe(READ_INFO_LENGTH);
    } finally {
      r.c.close();
      r.p.close();
    }
  });
});
