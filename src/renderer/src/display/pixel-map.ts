/**
 * Window/level and colormap on the CPU, the same arithmetic as the WebGL fragment shader
 * (`gl-display.ts`), for the Canvas 2D display: data value → `v * scale + bias` clamped to [0, 1] →
 * nearest of the 256 colours of a colormap row.
 *
 * u8 frames go through a table of one colour per possible value (256 entries, refilled when the
 * window or the colormap changes), so a frame costs one lookup per pixel. u16 frames do too (65536
 * entries) while the window stays, or when the frame has more pixels than the table; otherwise,
 * like f32 frames, they compute the index per pixel.
 *
 * One difference from the GPU: a NaN pixel shows here as the map's first colour; the shader's
 * `clamp(NaN)` is left undefined by GLSL (SwiftShader gives the first colour too).
 */
import { COLORMAPS, buildLut } from './colormaps';

/** The shader's window: `scale`, `bias` such that lo → 0 and hi → 1 (into `out` when given). */
export function windowScaleBias(lo: number, hi: number, out: { scale: number; bias: number } = { scale: 1, bias: 0 }): { scale: number; bias: number } {
  const span = Math.max(hi - lo, 1e-12);
  out.scale = 1 / span;
  out.bias = -lo / span;
  return out;
}

/**
 * The colormap column the shader samples for value `v`: it samples the 256-texel row at
 * `x·255/256 + 0.5/256` with nearest filtering, i.e. texel ⌊x·255 + 0.5⌋. NaN shows as the first
 * colour.
 */
export function lutIndex(v: number, scale: number, bias: number): number {
  const x = v * scale + bias;
  if (!(x > 0)) return 0;
  if (x >= 1) return 255;
  return (x * 255 + 0.5) | 0;
}

let rows: Uint32Array[] | null = null;

/**
 * Colormap row `row` as 256 packed RGBA pixels, in the byte order of `ImageData` on this machine
 * (the LUT's RGBA bytes read as 32-bit words). Alpha is 255. Built once; the same array every call.
 */
export function colormapPixels(row: number): Uint32Array {
  if (row < 0 || row >= COLORMAPS.length || !Number.isInteger(row)) throw new RangeError(`colormap row ${row} is not one of 0..${COLORMAPS.length - 1}`);
  if (!rows) {
    const all = new Uint32Array(buildLut().buffer);
    rows = COLORMAPS.map((_, r) => all.subarray(r * 256, r * 256 + 256));
  }
  return rows[row];
}

/** Scratch for the per-frame functions below (no allocation per frame). */
const win = { scale: 1, bias: 0 };

/** `table[v]` = the colour of integer value v, for v < table.length (u8: 256, u16: 65536). */
export function fillValueTable(table: Uint32Array, lo: number, hi: number, colors: Uint32Array): void {
  const { scale, bias } = windowScaleBias(lo, hi, win);
  for (let v = 0; v < table.length; v++) table[v] = colors[lutIndex(v, scale, bias)];
}

/** Integer pixels through a value table (u8 or u16 data): `out[i] = table[src[i]]`. */
export function mapByTable(src: Uint8Array | Uint16Array, table: Uint32Array, out: Uint32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = table[src[i]];
}

/**
 * The index computed per pixel: f32 pixels, and u16 frames smaller than their 65536-entry table
 * when the window moved (an automatic window follows each frame's range: a table would be refilled
 * for every frame).
 */
export function mapPerPixel(src: Float32Array | Uint16Array, lo: number, hi: number, colors: Uint32Array, out: Uint32Array, n: number): void {
  const { scale, bias } = windowScaleBias(lo, hi, win);
  for (let i = 0; i < n; i++) out[i] = colors[lutIndex(src[i], scale, bias)];
}
