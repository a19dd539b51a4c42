/**
 * Minimal grayscale PNG encoder (8- or 16-bit, no interlace, filter 0) on node:zlib — enough for
 * frame export, small and dependency-free. 16-bit keeps raw uint16 samples lossless (PNG stores
 * them big-endian).
 */
import zlib from 'node:zlib';

const SIG = [137, 80, 78, 71, 13, 10, 26, 10];

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.byteLength);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.byteLength);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.byteLength, zlib.crc32(out.subarray(4, 8 + data.byteLength)) >>> 0);
  return out;
}

/** Encode `pixels` (row-major, width × height) as a grayscale PNG. */
export function encodeGrayPng(pixels: Uint8Array | Uint16Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`png: bad size ${width}x${height}`);
  if (pixels.length !== width * height) throw new RangeError(`png: ${pixels.length} pixels for ${width}x${height}`);
  const depth = pixels instanceof Uint16Array ? 16 : 8;
  const bpp = depth / 8;
  const raw = new Uint8Array(height * (1 + width * bpp));
  for (let y = 0, o = 0; y < height; y++) {
    raw[o++] = 0; // filter: none
    if (depth === 8) { raw.set(pixels.subarray(y * width, (y + 1) * width), o); o += width; }
    else for (let x = 0; x < width; x++) { const s = pixels[y * width + x]; raw[o++] = s >> 8; raw[o++] = s & 0xff; }
  }
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = depth; ihdr[9] = 0; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const parts = [new Uint8Array(SIG), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.byteLength; }
  return out;
}

/** Map any numeric array to 8-bit with a linear window (default: the data's min..max; NaN → 0). */
export function toGray8(values: ArrayLike<number>, window?: { min: number; max: number }): Uint8Array {
  let lo = window?.min ?? Infinity;
  let hi = window?.max ?? -Infinity;
  if (!window) for (let i = 0; i < values.length; i++) { const v = values[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  const out = new Uint8Array(values.length);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < values.length; i++) {
    const v = (values[i] - lo) * scale;
    out[i] = v > 255 ? 255 : v > 0 ? Math.round(v) : 0;
  }
  return out;
}
