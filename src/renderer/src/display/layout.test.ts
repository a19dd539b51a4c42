import { describe, expect, it } from 'vitest';
import { buildLut, colormapRgb, COLORMAPS } from './colormaps';
import { backingScale, fitRect, gridShape } from './layout';
import { dragWindowLevel, effectiveRange, parseWlField } from './window-level';

describe('canvas backing scale', () => {
  it('keeps at least one backing pixel per data pixel, never above the device pixel ratio', () => {
    // 256×512 frames in 530×704 tiles: the image is 352×704 CSS px, 512 rows need 512/704 → 0.75 (16ths, up)
    expect(backingScale([{ w: 530, h: 704, dataW: 256, dataH: 512 }, { w: 530, h: 704, dataW: 256, dataH: 512 }], 1)).toBe(0.75);
    // data larger than the tile: full device resolution
    expect(backingScale([{ w: 265, h: 176, dataW: 256, dataH: 512 }], 1)).toBe(1);
    expect(backingScale([{ w: 265, h: 176, dataW: 256, dataH: 512 }], 2)).toBe(2);
    // the most demanding tile decides
    expect(backingScale([{ w: 1000, h: 1000, dataW: 100, dataH: 100 }, { w: 400, h: 400, dataW: 200, dataH: 200 }], 1)).toBe(0.5);
    // nothing to show yet, or degenerate sizes: device ratio
    expect(backingScale([], 1.5)).toBe(1.5);
    expect(backingScale([{ w: 0, h: 100, dataW: 10, dataH: 10 }, { w: 100, h: 100, dataW: 0, dataH: 0 }], 1)).toBe(1);
    // tiny frames on a huge tile: floor of 1/16
    expect(backingScale([{ w: 4000, h: 4000, dataW: 8, dataH: 8 }], 1)).toBe(1 / 16);
  });
});

describe('grid layout', () => {
  it('adapts from 1 to 16+ tiles', () => {
    expect(gridShape(1, 1000, 600, 1.7)).toEqual({ cols: 1, rows: 1 });
    expect(gridShape(4, 1000, 600, 1.7)).toEqual({ cols: 2, rows: 2 });
    expect(gridShape(16, 1600, 900, 1.7)).toEqual({ cols: 4, rows: 4 });
    const g = gridShape(20, 1600, 900, 1.7);
    expect(g.cols * g.rows).toBeGreaterThanOrEqual(20);
    expect(gridShape(3, 3000, 300, 1.7)).toEqual({ cols: 3, rows: 1 }); // wide strip
  });
  it('letterboxes without distorting the image', () => {
    const [, , w, h] = fitRect(0, 0, 400, 100, 2);
    expect(w / h).toBeCloseTo(2);
    expect(h).toBe(100);
  });
});

describe('colormaps', () => {
  it('has distinct maps with the known end colours', () => {
    expect(colormapRgb('gray', 0)).toEqual([0, 0, 0]);
    expect(colormapRgb('hot', 1)).toEqual([255, 255, 255]);
    expect(colormapRgb('viridis', 0)).toEqual([68, 1, 84]);
    expect(colormapRgb('inferno', 1)).toEqual([252, 255, 164]);
    const lut = buildLut();
    expect(lut.length).toBe(256 * 4 * COLORMAPS.length);
    const rowOf = (r: number) => Array.from(lut.subarray(r * 1024, r * 1024 + 1024)).join();
    expect(new Set(COLORMAPS.map((_, i) => rowOf(i))).size).toBe(COLORMAPS.length);
  });
});

describe('window/level', () => {
  it('prefers the channel setting, then global, then the frame hint, then the dtype range', () => {
    expect(effectiveRange({ center: 10, width: 4 }, { center: 0, width: 2 }, 1, 0, 0)).toEqual([8, 12]);
    expect(effectiveRange(undefined, { center: 0, width: 2 }, 1, 0, 0)).toEqual([-1, 1]);
    expect(effectiveRange(undefined, null, 3, -2, 5)).toEqual([-2, 5]);
    expect(effectiveRange(undefined, null, 2, 0, 0)).toEqual([0, 65535]);
  });
  it('drags: right widens, up raises the level; width stays positive', () => {
    const s = { center: 100, width: 300 };
    expect(dragWindowLevel(s, 30, 0).width).toBeCloseTo(330);
    expect(dragWindowLevel(s, 0, -30).center).toBeCloseTo(130);
    expect(dragWindowLevel(s, -10_000, 0).width).toBeGreaterThan(0);
  });
  it('names the field of bad numeric input', () => {
    expect(() => parseWlField('width', '-3')).toThrow(/width must be > 0/);
    expect(() => parseWlField('level', 'abc')).toThrow(/level must be a number/);
    expect(parseWlField('level', ' 12.5 ')).toBe(12.5);
  });
});
