import { describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import { crc32Combine, crc32Shift, crc32ShiftOp } from './crc32-combine';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

describe('crc32Combine', () => {
  it('equals zlib.crc32 of the concatenation for random splits and sizes', () => {
    const r = rng(42);
    for (let t = 0; t < 300; t++) {
      const n = r() % (t < 200 ? 300 : 200_000);
      const buf = Buffer.alloc(n);
      for (let i = 0; i < n; i++) buf[i] = r() & 0xff;
      const cut = n === 0 ? 0 : r() % (n + 1);
      const a = buf.subarray(0, cut);
      const b = buf.subarray(cut);
      expect(crc32Combine(zlib.crc32(a), zlib.crc32(b), b.length)).toBe(zlib.crc32(buf));
    }
  });

  it('chains many parts with a cached shift operator', () => {
    const r = rng(7);
    const parts = Array.from({ length: 50 }, (_, i) => { const p = Buffer.alloc(i % 2 ? 31 : 4097); for (let k = 0; k < p.length; k++) p[k] = r() & 0xff; return p; });
    const ops = new Map<number, number>();
    let crc = 0;
    for (const p of parts) {
      if (!ops.has(p.length)) ops.set(p.length, crc32ShiftOp(p.length));
      crc = crc32Shift(crc, zlib.crc32(p), ops.get(p.length)!);
    }
    expect(crc).toBe(zlib.crc32(Buffer.concat(parts)));
  });

  it('length 0 leaves the first CRC unchanged; bad lengths are rejected', () => {
    expect(crc32Combine(0x12345678, 0, 0)).toBe(0x12345678);
    expect(() => crc32ShiftOp(-1)).toThrow(/non-negative/);
  });
});
