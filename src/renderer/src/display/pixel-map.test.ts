import { describe, expect, it } from 'vitest';
import { buildLut, COLORMAPS } from './colormaps';
import { colormapPixels, fillValueTable, lutIndex, mapByTable, mapPerPixel, windowScaleBias } from './pixel-map';

const f = Math.fround;

/**
 * The fragment shader's texel, computed in float32 as the GPU does: x = clamp(v·scale + bias),
 * sampled at x·255/256 + 0.5/256 on a 256-texel row with nearest filtering.
 */
function shaderTexel(v: number, lo: number, hi: number): number {
  const span = Math.max(hi - lo, 1e-12);
  const scale = f(1 / span);
  const bias = f(-lo / span);
  let x = f(f(f(v) * scale) + bias);
  x = x < 0 ? 0 : x > 1 ? 1 : x;
  const u = f(f(x * f(255 / 256)) + f(0.5 / 256));
  return Math.min(255, Math.floor(f(u * 256)));
}

describe('window/level on the CPU (pixel-map)', () => {
  it('picks the colormap texel the shader samples', () => {
    const windows: [number, number][] = [[0, 255], [10, 200], [40, 120], [100, 101], [-3.5, 7.25], [0, 65535], [1000, 1200]];
    for (const [lo, hi] of windows) {
      const { scale, bias } = windowScaleBias(lo, hi);
      let differ = 0;
      const far: string[] = [];
      for (let i = 0; i <= 4000; i++) {
        const v = lo - (hi - lo) * 0.2 + ((hi - lo) * 1.4 * i) / 4000;
        const a = lutIndex(v, scale, bias);
        const b = shaderTexel(v, lo, hi);
        // float32 against float64 may round a value lying on a texel boundary the other way.
        if (Math.abs(a - b) > 1) far.push(`v=${v}: ${a} vs ${b}`);
        if (a !== b) differ++;
      }
      expect(far, `window [${lo}, ${hi}]`).toEqual([]);
      expect(differ, `window [${lo}, ${hi}]`).toBeLessThan(20);
    }
  });

  it('clamps outside the window, shows NaN as the first colour, survives an empty window', () => {
    const { scale, bias } = windowScaleBias(10, 20);
    expect(lutIndex(-1e9, scale, bias)).toBe(0);
    expect(lutIndex(10, scale, bias)).toBe(0);
    expect(lutIndex(15, scale, bias)).toBe(128); // 0.5·255 + 0.5 = 128
    expect(lutIndex(20, scale, bias)).toBe(255);
    expect(lutIndex(1e9, scale, bias)).toBe(255);
    expect(lutIndex(NaN, scale, bias)).toBe(0);
    const flat = windowScaleBias(5, 5);
    expect(lutIndex(4.999, flat.scale, flat.bias)).toBe(0);
    expect(lutIndex(5.001, flat.scale, flat.bias)).toBe(255);
  });

  it('colormap rows are the LUT texture rows, opaque', () => {
    const lut = buildLut();
    for (let row = 0; row < COLORMAPS.length; row++) {
      const bytes = new Uint8Array(colormapPixels(row).slice().buffer);
      expect(bytes).toEqual(lut.subarray(row * 1024, row * 1024 + 1024));
      for (let i = 3; i < 1024; i += 4) expect(bytes[i]).toBe(255);
    }
    expect(() => colormapPixels(COLORMAPS.length)).toThrow(/colormap row 4 is not one of 0..3/);
  });

  it('the value tables (u8, u16) give the colours the per-pixel float mapping gives', () => {
    const colors = colormapPixels(2);
    const u16 = Uint16Array.from({ length: 5000 }, (_, i) => (i * 13) % 65536);
    const u8 = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 256);
    for (const [src, size, lo, hi] of [[u16, 65536, 300, 50000], [u8, 256, 20, 180]] as const) {
      const table = new Uint32Array(size);
      fillValueTable(table, lo, hi, colors);
      const byTable = new Uint32Array(src.length);
      mapByTable(src, table, byTable, src.length);
      const byFloat = new Uint32Array(src.length);
      mapPerPixel(Float32Array.from(src), lo, hi, colors, byFloat, src.length);
      expect(byTable).toEqual(byFloat);
      // Not trivially equal: the window spreads the values over many colours.
      expect(new Set(byTable).size).toBeGreaterThan(100);
    }
  });

  it('u16 per pixel gives the table\'s colours (the path taken while an automatic window moves)', () => {
    const colors = colormapPixels(1);
    const src = Uint16Array.from({ length: 3000 }, (_, i) => (i * 29) % 65536);
    const table = new Uint32Array(65536);
    fillValueTable(table, 1000, 40000, colors);
    const a = new Uint32Array(src.length);
    const b = new Uint32Array(src.length);
    mapByTable(src, table, a, src.length);
    mapPerPixel(src, 1000, 40000, colors, b, src.length);
    expect(b).toEqual(a);
  });

  it('returns the same colormap row every call (no allocation per frame)', () => {
    expect(colormapPixels(3)).toBe(colormapPixels(3));
  });

  it('maps only the first n pixels (buffers are reused at their largest)', () => {
    const out = new Uint32Array(4).fill(7);
    mapPerPixel(Float32Array.of(0, 1, 2, 3), 0, 3, colormapPixels(0), out, 2);
    expect(out[2]).toBe(7);
    expect(out[3]).toBe(7);
    expect(out[0]).toBe(colormapPixels(0)[0]);
  });
});
