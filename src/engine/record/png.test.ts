import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeGrayPng, toGray8 } from './png';
import { tempDir } from './test-util';

/** Decode our own subset (filter 0, gray) to check round trips without a PNG library. */
function decode(png: Uint8Array): { w: number; h: number; depth: number; px: number[] } {
  const v = new DataView(png.buffer, png.byteOffset);
  let p = 8;
  let w = 0, h = 0, depth = 0;
  const idat: Uint8Array[] = [];
  while (p < png.length) {
    const len = v.getUint32(p);
    const type = String.fromCharCode(...png.subarray(p + 4, p + 8));
    const data = png.subarray(p + 8, p + 8 + len);
    expect(v.getUint32(p + 8 + len)).toBe(zlib.crc32(png.subarray(p + 4, p + 8 + len)) >>> 0);
    if (type === 'IHDR') { w = v.getUint32(p + 8); h = v.getUint32(p + 12); depth = png[p + 16]; }
    if (type === 'IDAT') idat.push(data);
    p += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const px: number[] = [];
  const bpp = depth / 8;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = y * (1 + w * bpp) + 1 + x * bpp;
    px.push(depth === 8 ? raw[o] : (raw[o] << 8) | raw[o + 1]);
  }
  return { w, h, depth, px };
}

describe('png', () => {
  it('round-trips 8- and 16-bit grayscale', () => {
    const a = Uint16Array.from({ length: 12 }, (_, i) => i * 5000);
    const d = decode(encodeGrayPng(a, 4, 3));
    expect(d).toEqual({ w: 4, h: 3, depth: 16, px: [...a] });
    const b = Uint8Array.from({ length: 6 }, (_, i) => i * 40);
    expect(decode(encodeGrayPng(b, 3, 2)).px).toEqual([...b]);
  });
  it('is read by python when PIL is there', () => {
    const t = tempDir();
    try {
      const f = join(t.dir, 'x.png');
      writeFileSync(f, encodeGrayPng(Uint16Array.from({ length: 6 }, (_, i) => i * 1000), 3, 2));
      let out = '';
      try {
        out = execFileSync('/usr/bin/python3', ['-c', `from PIL import Image; import numpy as np; print(np.array(Image.open('${f}')).tolist())`], { encoding: 'utf8' });
      } catch { return; } // PIL not installed: the decoder test above covers the format
      expect(JSON.parse(out.trim())).toEqual([[0, 1000, 2000], [3000, 4000, 5000]]);
    } finally { t.cleanup(); }
  });
  it('windows to 8 bit', () => {
    expect([...toGray8([0, 5, 10])]).toEqual([0, 128, 255]);
    expect([...toGray8([0, 5, 10], { min: 5, max: 10 })]).toEqual([0, 0, 255]);
    expect([...toGray8([3, 3])]).toEqual([0, 0]);
  });
  it('rejects a size mismatch', () => {
    expect(() => encodeGrayPng(new Uint8Array(5), 2, 2)).toThrow(/5 pixels/);
  });
});
