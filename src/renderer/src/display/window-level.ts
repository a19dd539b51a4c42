/**
 * Window/level: which data values map to the ends of the colormap. Kept as [lo, hi] in data units
 * (u8: 0..255, u16: 0..65535, f32: raw values). Precedence: the channel's own setting, then the
 * global one, then the frame's suggested range (display header vmin/vmax), then the dtype range.
 */
import { DType } from '../../../shared/frame-header';

export interface WindowLevel {
  /** Window centre (level), data units. */
  center: number;
  /** Window width, data units (> 0). */
  width: number;
}

/**
 * The range shown, written into `out` (no allocation: the draw loop calls it per tile and draw):
 * the channel's own window, else the global one, else the frame's range, else the dtype's.
 */
export function rangeInto<T extends { lo: number; hi: number }>(out: T, own: WindowLevel | null | undefined, global: WindowLevel | null, dtype: DType, vmin: number, vmax: number): T {
  const wl = own ?? global;
  if (wl) {
    const w = Math.max(wl.width, 1e-12);
    out.lo = wl.center - w / 2;
    out.hi = wl.center + w / 2;
  } else if (Number.isFinite(vmin) && Number.isFinite(vmax) && vmax > vmin) {
    out.lo = vmin;
    out.hi = vmax;
  } else {
    out.lo = 0;
    out.hi = dtype === DType.U8 ? 255 : dtype === DType.U16 ? 65535 : 1;
  }
  return out;
}

const pair = (r: { lo: number; hi: number }): [number, number] => [r.lo, r.hi];

export function toRange(wl: WindowLevel): [number, number] {
  return pair(rangeInto({ lo: 0, hi: 0 }, wl, null, DType.F32, NaN, NaN));
}

export function fromRange(lo: number, hi: number): WindowLevel {
  return { center: (lo + hi) / 2, width: Math.max(hi - lo, 1e-12) };
}

export function defaultRange(dtype: DType, vmin: number, vmax: number): [number, number] {
  return pair(rangeInto({ lo: 0, hi: 0 }, null, null, dtype, vmin, vmax));
}

export function effectiveRange(own: WindowLevel | undefined, global: WindowLevel | null, dtype: DType, vmin: number, vmax: number): [number, number] {
  return pair(rangeInto({ lo: 0, hi: 0 }, own, global, dtype, vmin, vmax));
}

/**
 * Mouse drag → new window/level (the radiology convention): horizontal changes the width, vertical
 * the level; sensitivity proportional to the current width so it works for any data range.
 */
export function dragWindowLevel(start: WindowLevel, dx: number, dy: number): WindowLevel {
  const k = Math.max(start.width, 1e-6) / 300;
  return { center: start.center - dy * k, width: Math.max(1e-6, start.width + dx * k) };
}

/** Parse a user-typed number; throws a message naming the field. */
export function parseWlField(name: string, text: string): number {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v)) throw new RangeError(`${name} must be a number, got "${text}"`);
  if (name === 'width' && v <= 0) throw new RangeError(`width must be > 0, got ${v}`);
  return v;
}
