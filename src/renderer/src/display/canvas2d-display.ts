/**
 * The display drawn with the Canvas 2D context (see `pixel-display.ts` for when and why): each
 * channel keeps its last frame's pixels, maps them through the window/level and colormap into an
 * RGBA image of the frame's own size (`pixel-map.ts`), and that image is scaled onto the canvas
 * with nearest-neighbour sampling, as the WebGL display does.
 *
 * Memory is per channel and per geometry: the pixel copy, the RGBA image, its small canvas and
 * (u8/u16) a value→colour table are allocated when a channel first shows or changes geometry, and
 * reused for every frame after. A frame is mapped once however many draws show it: the mapping is
 * redone only when a new frame, another window or another colormap needs it.
 */
import { DType, dtypeSize } from '../../../shared/frame-header';
import { DISPLAY_PIXELS_OFFSET } from '../../../shared/display-frame';
import type { PixelGeometry } from './frame-store';
import { imageViewport, resizeBacking, type PixelRect } from './layout';
import type { DisplayKind, PixelDisplay, TileDraw } from './pixel-display';
import { colormapPixels, fillValueTable, mapByTable, mapPerPixel } from './pixel-map';

type AnyCanvas = HTMLCanvasElement | OffscreenCanvas;
type Ctx2d = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** The WebGL display's clear colour (0.07, 0.07, 0.08) in bytes. */
const BACKGROUND = 'rgb(18,18,20)';

interface Channel2d {
  width: number;
  height: number;
  dtype: DType;
  /** The last frame's pixels, copied (the frame's buffer goes back to the page after the draw). */
  bytes: Uint8Array;
  /** The same memory as the dtype's array. */
  values: Uint8Array | Uint16Array | Float32Array;
  /** u8: 256 colours; u16 of at least 65536 pixels: 65536; else none (mapped per pixel). */
  table: Uint32Array | null;
  tableLo: number;
  tableHi: number;
  tableRow: number;
  image: ImageData;
  rgba: Uint32Array;
  canvas: AnyCanvas;
  ctx: Ctx2d;
  /** Bumped per upload; `mapped*` say what the RGBA image holds. */
  version: number;
  mappedVersion: number;
  mappedLo: number;
  mappedHi: number;
  mappedRow: number;
}

function newCanvas(w: number, h: number): AnyCanvas {
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(w, h);
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  return c;
}

function context2d(c: AnyCanvas): Ctx2d {
  const ctx = c.getContext('2d', { alpha: false }) as Ctx2d | null;
  if (!ctx) throw new Error('the Canvas 2D context is not available');
  return ctx;
}

export class Canvas2dDisplay implements PixelDisplay {
  readonly kind: DisplayKind = 'canvas2d';
  private readonly ctx: Ctx2d;
  private readonly channels = new Map<number, Channel2d>();
  /** Backing pixels per CSS pixel (tile rects arrive in CSS px). */
  private scale = 1;
  private readonly rect: PixelRect = { x: 0, y: 0, w: 1, h: 1 };
  lost = false;
  /** Draw calls (tiles drawn) and uploads, for tests and diagnostics. */
  draws = 0;
  uploads = 0;

  constructor(private readonly canvas: AnyCanvas, private readonly onContext: (lost: boolean) => void) {
    this.ctx = context2d(canvas);
    // A 2D context can be lost too (GPU-backed canvases, memory pressure). The pixels kept per
    // channel survive it; their small canvases may not, so every channel is mapped again at the
    // next draw (the controller also hands every channel's last frame over again).
    const target = canvas as unknown as EventTarget;
    if (typeof target.addEventListener === 'function') {
      target.addEventListener('contextlost', () => {
        this.lost = true;
        this.onContext(true);
      });
      target.addEventListener('contextrestored', () => {
        this.lost = false;
        for (const c of this.channels.values()) c.mappedVersion = -1;
        this.onContext(false);
      });
    }
  }

  setSize(width: number, height: number, scale: number): void {
    resizeBacking(this.canvas, width, height);
    this.scale = scale;
  }

  upload(slot: PixelGeometry & { channel: number }, bytes: Uint8Array): void {
    if (this.lost) return;
    const n = slot.width * slot.height;
    const len = n * dtypeSize(slot.dtype);
    if (bytes.byteLength < DISPLAY_PIXELS_OFFSET + len) throw new Error(`display frame of channel ${slot.channel} too short for ${slot.width}×${slot.height} (${bytes.byteLength} bytes)`);
    let c = this.channels.get(slot.channel);
    if (!c || c.width !== slot.width || c.height !== slot.height || c.dtype !== slot.dtype) {
      c = this.allocate(slot);
      this.channels.set(slot.channel, c);
    }
    c.bytes.set(bytes.subarray(DISPLAY_PIXELS_OFFSET, DISPLAY_PIXELS_OFFSET + len));
    c.version++;
    this.uploads++;
  }

  private allocate(slot: PixelGeometry): Channel2d {
    const n = slot.width * slot.height;
    const buf = new ArrayBuffer(n * dtypeSize(slot.dtype));
    const values = slot.dtype === DType.U8 ? new Uint8Array(buf) : slot.dtype === DType.U16 ? new Uint16Array(buf) : new Float32Array(buf);
    const canvas = newCanvas(slot.width, slot.height);
    const ctx = context2d(canvas);
    const image = ctx.createImageData(slot.width, slot.height);
    return {
      width: slot.width,
      height: slot.height,
      dtype: slot.dtype,
      bytes: new Uint8Array(buf),
      values,
      table: slot.dtype === DType.U8 ? new Uint32Array(256) : slot.dtype === DType.U16 && n >= 65536 ? new Uint32Array(65536) : null,
      tableLo: NaN,
      tableHi: NaN,
      tableRow: -1,
      image,
      rgba: new Uint32Array(image.data.buffer, image.data.byteOffset, n),
      canvas,
      ctx,
      version: 0,
      mappedVersion: -1,
      mappedLo: NaN,
      mappedHi: NaN,
      mappedRow: -1,
    };
  }

  /** Bring the channel's RGBA image up to date with its frame and the tile's window/colormap. */
  private map(c: Channel2d, t: TileDraw): void {
    if (c.mappedVersion === c.version && c.mappedLo === t.lo && c.mappedHi === t.hi && c.mappedRow === t.cmapRow) return;
    const n = c.width * c.height;
    const colors = colormapPixels(t.cmapRow);
    if (c.table) {
      if (c.tableLo !== t.lo || c.tableHi !== t.hi || c.tableRow !== t.cmapRow) {
        fillValueTable(c.table, t.lo, t.hi, colors);
        c.tableLo = t.lo;
        c.tableHi = t.hi;
        c.tableRow = t.cmapRow;
      }
      mapByTable(c.values as Uint8Array | Uint16Array, c.table, c.rgba, n);
    } else {
      mapPerPixel(c.values as Float32Array | Uint16Array, t.lo, t.hi, colors, c.rgba, n);
    }
    c.ctx.putImageData(c.image, 0, 0);
    c.mappedVersion = c.version;
    c.mappedLo = t.lo;
    c.mappedHi = t.hi;
    c.mappedRow = t.cmapRow;
  }

  render(tiles: readonly TileDraw[], full = true): void {
    if (this.lost) return;
    const dpr = this.scale;
    const H = this.canvas.height;
    const ctx = this.ctx;
    // Resizing the canvas resets the context's state: set it for every render.
    ctx.imageSmoothingEnabled = false;
    if (full) {
      ctx.fillStyle = BACKGROUND;
      ctx.fillRect(0, 0, this.canvas.width, H);
    }
    for (const tile of tiles) {
      if (!full && !tile.dirty) continue;
      const c = this.channels.get(tile.channel);
      if (!c) continue;
      // The WebGL display's viewport (y from the bottom), so both cover the same device pixels.
      const r = imageViewport(tile, dpr, H, c.width / c.height, this.rect);
      this.map(c, tile);
      ctx.drawImage(c.canvas, r.x, H - r.y - r.h, r.w, r.h);
      this.draws++;
    }
  }

  read(x: number, y: number, w: number, h: number): { width: number; height: number; rgba: Uint8Array } {
    const dpr = this.scale;
    const H = this.canvas.height;
    const px = Math.max(0, Math.round(x * dpr));
    const pw = Math.max(1, Math.min(this.canvas.width - px, Math.round(w * dpr)));
    const ph = Math.max(1, Math.round(h * dpr));
    const py = Math.max(0, Math.round(H - (y * dpr + ph)));
    const img = this.ctx.getImageData(px, H - py - ph, pw, ph);
    // Rows bottom-up, as WebGL's readPixels gives them (the contract of `read`).
    const rgba = new Uint8Array(pw * ph * 4);
    const row = pw * 4;
    for (let r = 0; r < ph; r++) rgba.set(img.data.subarray(r * row, (r + 1) * row), (ph - 1 - r) * row);
    return { width: pw, height: ph, rgba };
  }

  loseContext(): boolean {
    return false;
  }

  forget(channel: number): void {
    const c = this.channels.get(channel);
    if (!c) return;
    // Its backing store now, not at the next garbage collection.
    c.canvas.width = 0;
    c.canvas.height = 0;
    this.channels.delete(channel);
  }

  destroy(): void {
    this.channels.clear();
  }
}
