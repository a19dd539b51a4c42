import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DISPLAY_PIXELS_OFFSET } from '../../../shared/display-frame';
import { DType } from '../../../shared/frame-header';
import { Canvas2dDisplay } from './canvas2d-display';
import { colormapPixels } from './pixel-map';

/** A 2D context stand-in (no canvas under vitest): records what is drawn. */
class FakeCtx {
  imageSmoothingEnabled = true;
  fillStyle = '';
  puts = 0;
  fills: number[][] = [];
  draws: { src: FakeCanvas; x: number; y: number; w: number; h: number }[] = [];
  constructor(private readonly canvas: FakeCanvas) {}
  createImageData(w: number, h: number) {
    return { width: w, height: h, data: new Uint8ClampedArray(w * h * 4) };
  }
  putImageData(img: { data: Uint8ClampedArray }) {
    this.puts++;
    this.canvas.pixels = new Uint32Array(img.data.slice().buffer);
  }
  fillRect(x: number, y: number, w: number, h: number) {
    this.fills.push([x, y, w, h]);
  }
  drawImage(src: FakeCanvas, x: number, y: number, w: number, h: number) {
    expect(this.imageSmoothingEnabled, 'nearest-neighbour, as the WebGL display').toBe(false);
    this.draws.push({ src, x, y, w, h });
  }
  /** Row r of the canvas is filled with bytes of value r. */
  getImageData(_x: number, y: number, w: number, h: number) {
    const data = new Uint8ClampedArray(w * h * 4);
    for (let r = 0; r < h; r++) data.fill(y + r, r * w * 4, (r + 1) * w * 4);
    return { data };
  }
}

class FakeCanvas {
  static made: FakeCanvas[] = [];
  ctx: FakeCtx | null = null;
  pixels: Uint32Array | null = null;
  listeners: Record<string, () => void> = {};
  constructor(public width: number, public height: number) {
    FakeCanvas.made.push(this);
  }
  getContext(kind: string) {
    return kind === '2d' ? (this.ctx ??= new FakeCtx(this)) : null;
  }
  addEventListener(type: string, fn: () => void) {
    this.listeners[type] = fn;
  }
}

function frame(values: number[]): Uint8Array {
  const b = new Uint8Array(DISPLAY_PIXELS_OFFSET + values.length);
  b.set(values, DISPLAY_PIXELS_OFFSET);
  return b;
}

const slot = (channel: number, width: number, height: number, dtype = DType.U8) => ({ channel, width, height, dtype });

describe('Canvas2dDisplay', () => {
  let main: FakeCanvas;
  let d: Canvas2dDisplay;
  let contextEvents: boolean[];
  beforeEach(() => {
    vi.stubGlobal('OffscreenCanvas', FakeCanvas);
    FakeCanvas.made = [];
    main = new FakeCanvas(1, 1);
    contextEvents = [];
    d = new Canvas2dDisplay(main as unknown as OffscreenCanvas, (lost) => contextEvents.push(lost));
    d.setSize(200, 100, 1);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('maps a frame through window/level and colormap once, and places it where the WebGL viewport would', () => {
    d.upload(slot(0, 4, 2), frame([0, 51, 102, 153, 204, 255, 10, 20]));
    const tile = { channel: 0, x: 10, y: 20, w: 80, h: 40, lo: 0, hi: 255, cmapRow: 0 };
    d.render([tile]);
    const small = FakeCanvas.made[1];
    const gray = colormapPixels(0);
    expect(small.pixels).toEqual(Uint32Array.from([0, 51, 102, 153, 204, 255, 10, 20], (v) => gray[v]));
    // 4×2 image in an 80×40 tile: fills it exactly; y 20..60 from the top = 40..80 from the bottom.
    expect(main.ctx!.draws).toEqual([{ src: small, x: 10, y: 20, w: 80, h: 40 }]);
    expect(main.ctx!.fills).toEqual([[0, 0, 200, 100]]);
    // Drawn again without a change: no second mapping.
    d.render([tile]);
    expect(small.ctx!.puts).toBe(1);
    expect(main.ctx!.draws).toHaveLength(2);
    // Another window: mapped again (value 51 is now the top of the window → last colour).
    d.render([{ ...tile, hi: 51 }]);
    expect(small.ctx!.puts).toBe(2);
    expect(small.pixels![1]).toBe(gray[255]);
    expect(small.pixels![0]).toBe(gray[0]);
  });

  it('partial renders draw only dirty tiles; a new frame is mapped, a new geometry gets a new image', () => {
    d.upload(slot(0, 2, 1), frame([1, 2]));
    d.upload(slot(1, 2, 1), frame([3, 4]));
    const t0 = { channel: 0, x: 0, y: 0, w: 100, h: 50, lo: 0, hi: 255, cmapRow: 1 };
    const t1 = { channel: 1, x: 100, y: 0, w: 100, h: 50, lo: 0, hi: 255, cmapRow: 1 };
    d.render([t0, t1]);
    expect(main.ctx!.draws).toHaveLength(2);
    d.upload(slot(1, 2, 1), frame([5, 6]));
    d.render([t0, { ...t1, dirty: true }], false);
    expect(main.ctx!.draws).toHaveLength(3);
    expect(main.ctx!.draws[2].src).toBe(FakeCanvas.made[2]);
    expect(FakeCanvas.made[2].pixels![0]).toBe(colormapPixels(1)[5]);
    expect(main.ctx!.fills).toHaveLength(1); // no clear on a partial render
    const before = FakeCanvas.made.length;
    d.upload(slot(1, 3, 1), frame([7, 8, 9]));
    expect(FakeCanvas.made.length).toBe(before + 1);
  });

  it('forgets a channel: its image is released and its tile draws nothing until a new frame', () => {
    d.upload(slot(0, 2, 1), frame([1, 2]));
    d.upload(slot(1, 2, 1), frame([3, 4]));
    const t0 = { channel: 0, x: 0, y: 0, w: 100, h: 50, lo: 0, hi: 255, cmapRow: 0 };
    const t1 = { ...t0, channel: 1, x: 100 };
    d.render([t0, t1]);
    const small1 = FakeCanvas.made[2];
    d.forget(1);
    d.forget(7); // never seen: nothing to do
    expect([small1.width, small1.height]).toEqual([0, 0]); // the backing store goes now
    main.ctx!.draws.length = 0;
    d.render([t0, t1]);
    expect(main.ctx!.draws.map((x) => x.src)).toEqual([FakeCanvas.made[1]]);
    d.upload(slot(1, 2, 1), frame([5, 6])); // back: a new image
    d.render([t0, t1]);
    expect(main.ctx!.draws[2].src).toBe(FakeCanvas.made[3]);
  });

  it('u16 frames: little-endian values, per pixel below 65536 pixels, same colours as the table', () => {
    const b = new Uint8Array(DISPLAY_PIXELS_OFFSET + 4);
    new DataView(b.buffer).setUint16(DISPLAY_PIXELS_OFFSET, 1000, true);
    new DataView(b.buffer).setUint16(DISPLAY_PIXELS_OFFSET + 2, 3000, true);
    d.upload(slot(0, 2, 1, DType.U16), b);
    d.render([{ channel: 0, x: 0, y: 0, w: 200, h: 100, lo: 1000, hi: 3000, cmapRow: 2 }]);
    const v = colormapPixels(2);
    expect(FakeCanvas.made[1].pixels).toEqual(Uint32Array.of(v[0], v[255]));
  });

  it('rejects a frame shorter than its geometry, naming the channel', () => {
    expect(() => d.upload(slot(3, 10, 10), frame([1, 2, 3]))).toThrow(/display frame of channel 3 too short for 10×10 \(227 bytes\)/);
  });

  it('reads back rows bottom-up, as WebGL does', () => {
    const r = d.read(0, 10, 2, 3);
    // CSS y 10..13 on a 100-px canvas: canvas rows 10, 11, 12; the first row returned is the lowest.
    expect([r.width, r.height]).toEqual([2, 3]);
    expect([r.rgba[0], r.rgba[8], r.rgba[16]]).toEqual([12, 11, 10]);
  });

  it('after a context restore every channel is mapped again', () => {
    d.upload(slot(0, 2, 1), frame([1, 2]));
    const tile = { channel: 0, x: 0, y: 0, w: 100, h: 50, lo: 0, hi: 255, cmapRow: 0 };
    d.render([tile]);
    main.listeners.contextlost();
    expect(d.lost).toBe(true);
    d.render([tile]); // nothing drawn while lost
    expect(main.ctx!.draws).toHaveLength(1);
    main.listeners.contextrestored();
    d.render([tile]);
    expect(FakeCanvas.made[1].ctx!.puts).toBe(2);
    expect(contextEvents).toEqual([true, false]);
    expect(d.loseContext()).toBe(false);
  });
});
