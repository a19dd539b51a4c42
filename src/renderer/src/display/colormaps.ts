/**
 * Colormaps as one 256×N RGBA lookup texture (one row per map), sampled in the fragment shader.
 * viridis and inferno are interpolated from nine samples of matplotlib's tables (perceptually
 * uniform; inferno reads well on a dark OR); gray and hot are analytic.
 */
export const COLORMAPS = ['gray', 'hot', 'viridis', 'inferno'] as const;
export type ColormapName = (typeof COLORMAPS)[number];

const VIRIDIS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 145, 140], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]];
const INFERNO = [[0, 0, 4], [31, 12, 72], [85, 15, 109], [136, 34, 106], [186, 54, 85], [227, 89, 51], [249, 140, 10], [249, 201, 50], [252, 255, 164]];

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);

function fromTable(table: number[][], t: number): [number, number, number] {
  const x = t * (table.length - 1);
  const i = Math.min(table.length - 2, Math.floor(x));
  const f = x - i;
  const a = table[i];
  const b = table[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** RGB 0..255 of a map at t ∈ [0,1]. */
export function colormapRgb(name: ColormapName, t: number): [number, number, number] {
  t = clamp01(t);
  switch (name) {
    case 'gray':
      return [t * 255, t * 255, t * 255];
    case 'hot':
      return [clamp01(3 * t) * 255, clamp01(3 * t - 1) * 255, clamp01(3 * t - 2) * 255];
    case 'viridis':
      return fromTable(VIRIDIS, t);
    case 'inferno':
      return fromTable(INFERNO, t);
  }
}

/** The LUT texture data: `COLORMAPS.length` rows of 256 RGBA texels. */
export function buildLut(): Uint8Array {
  const out = new Uint8Array(256 * 4 * COLORMAPS.length);
  COLORMAPS.forEach((name, row) => {
    for (let i = 0; i < 256; i++) {
      const [r, g, b] = colormapRgb(name, i / 255);
      const o = (row * 256 + i) * 4;
      out[o] = Math.round(r);
      out[o + 1] = Math.round(g);
      out[o + 2] = Math.round(b);
      out[o + 3] = 255;
    }
  });
  return out;
}

export function colormapRow(name: ColormapName): number {
  const i = COLORMAPS.indexOf(name);
  if (i < 0) throw new RangeError(`unknown colormap "${name}" (known: ${COLORMAPS.join(', ')})`);
  return i;
}
