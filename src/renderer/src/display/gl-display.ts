/**
 * All pixels of the workbench: ONE regl (WebGL) context on one canvas behind the tile grid. It runs
 * where the canvas is: in the GL worker on an OffscreenCanvas (`gl-worker.ts`, the normal case), or
 * on the page (`gl-surface.ts` fallback). It knows nothing of the DOM: sizes come from the caller.
 *
 * - One texture per channel id, created once (re-created only if a channel's geometry or dtype
 *   changes) and updated in place with `subimage`.
 * - Window/level and the colormap are applied in the fragment shader: data value → [lo, hi] →
 *   row of a 256×N RGBA lookup texture. Data keeps its own units (u8, u16 as two bytes, f32).
 * - Context loss: regl recreates its resources on restore; we then re-upload the last frame of each
 *   channel and redraw. While lost, nothing is drawn and the UI says so.
 */
import createREGL from 'regl';
import { DType } from '../../../shared/frame-header';
import { buildLut, COLORMAPS } from './colormaps';
import { imageViewport, resizeBacking, type PixelRect } from './layout';
import { pixelView, type PixelGeometry } from './frame-store';
import type { DisplayKind, PixelDisplay, TileDraw } from './pixel-display';
import { windowScaleBias } from './pixel-map';

export type { TileDraw } from './pixel-display';

interface ChannelTexture {
  tex: createREGL.Texture2D;
  width: number;
  height: number;
  dtype: DType;
}

const VERT = `
precision mediump float;
attribute vec2 pos;
varying vec2 uv;
void main() {
  uv = vec2(pos.x, 1.0 - pos.y);
  gl_Position = vec4(pos * 2.0 - 1.0, 0.0, 1.0);
}`;

/**
 * One fragment shader per pixel encoding (no per-pixel branch), window/level folded into one
 * multiply-add (`scale`, `bias` computed per tile on the CPU): on SwiftShader (no GPU) the fragment
 * work of the whole canvas is what every draw costs, so it is kept to two texture fetches and a mad.
 */
function frag(decode: string): string {
  return `
precision highp float;
uniform sampler2D img;
uniform sampler2D lut;
uniform float scale;
uniform float bias;
uniform float lutY;
varying vec2 uv;
void main() {
  vec4 t = texture2D(img, uv);
  float x = clamp(${decode} * scale + bias, 0.0, 1.0);
  gl_FragColor = vec4(texture2D(lut, vec2(x * (255.0 / 256.0) + 0.5 / 256.0, lutY)).rgb, 1.0);
}`;
}
/** Data value from the texel, in the frame's own units. */
const DECODE = {
  [DType.U8]: 't.r * 255.0',
  [DType.U16]: '(floor(t.r * 255.0 + 0.5) + floor(t.a * 255.0 + 0.5) * 256.0)',
  [DType.F32]: 't.r',
} as const;

export class GlDisplay implements PixelDisplay {
  readonly kind: DisplayKind = 'webgl';
  private readonly regl: createREGL.Regl;
  private readonly textures = new Map<number, ChannelTexture>();
  private readonly drawBy = new Map<DType, createREGL.DrawCommand>();
  /** Reused per tile draw (no allocation per frame). */
  private readonly props = { img: null as unknown as createREGL.Texture2D, scale: 1, bias: 0, lutY: 0, viewport: { x: 0, y: 0, width: 1, height: 1 } };
  private readonly rect: PixelRect = { x: 0, y: 0, w: 1, h: 1 };
  private readonly window = { scale: 1, bias: 0 };
  private readonly lut: createREGL.Texture2D;
  private readonly floatOk: boolean;
  /** Backing pixels per CSS pixel (tile rects arrive in CSS px). */
  private scale = 1;
  lost = false;
  /** Draw calls issued (for tests/diagnostics). */
  draws = 0;
  uploads = 0;

  constructor(private readonly canvas: HTMLCanvasElement | OffscreenCanvas, private readonly onContext: (lost: boolean) => void) {
    // preserveDrawingBuffer: tiles whose texture did not change are not drawn again (partial render);
    // keeping the buffer costs one copy per composite, far less than shading every tile again
    // on a software rasterizer (SwiftShader: ~3 ms per 265×176 tile here).
    const gl = canvas.getContext('webgl', { antialias: false, preserveDrawingBuffer: true, alpha: false, depth: false, stencil: false }) as WebGLRenderingContext | null;
    if (!gl) throw new Error('WebGL is not available');
    this.regl = createREGL({ gl, optionalExtensions: ['OES_texture_float', 'OES_texture_float_linear'] });
    this.floatOk = this.regl.hasExtension('OES_texture_float');
    this.lut = this.regl.texture({ width: 256, height: COLORMAPS.length, data: buildLut(), format: 'rgba', type: 'uint8', min: 'nearest', mag: 'nearest', wrapS: 'clamp', wrapT: 'clamp' });
    const QUAD = [0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1];
    const quad = this.regl.buffer(QUAD);
    for (const dt of [DType.U8, DType.U16, DType.F32] as const) {
      this.drawBy.set(dt, this.regl({
        vert: VERT,
        frag: frag(DECODE[dt]),
        attributes: { pos: { buffer: quad, size: 2 } },
        uniforms: {
          img: this.regl.prop<any, 'img'>('img'),
          lut: this.lut,
          scale: this.regl.prop<any, 'scale'>('scale'),
          bias: this.regl.prop<any, 'bias'>('bias'),
          lutY: this.regl.prop<any, 'lutY'>('lutY'),
        },
        viewport: this.regl.prop<any, 'viewport'>('viewport'),
        scissor: { enable: true, box: this.regl.prop<any, 'viewport'>('viewport') },
        depth: { enable: false },
        count: 6,
      }));
    }
    this.regl.on('lost', () => {
      this.lost = true;
      this.onContext(true);
    });
    this.regl.on('restore', () => {
      this.lost = false;
      // regl recreates textures empty: the LUT must be refilled; channels re-upload their frames.
      this.lut.subimage(buildLut());
      quad(QUAD); // buffers come back without data too
      this.onContext(false);
    });
  }

  /** Set the backing store size (device px) and how many of them make one CSS px. */
  setSize(width: number, height: number, scale: number): void {
    resizeBacking(this.canvas, width, height);
    this.scale = scale;
  }

  /** Upload a channel's frame (creating its texture the first time or when the geometry changed). */
  upload(slot: PixelGeometry & { channel: number }, bytes: Uint8Array): void {
    if (this.lost) return;
    if (slot.dtype === DType.F32 && !this.floatOk) throw new Error('this GPU cannot show float32 frames (no OES_texture_float)');
    let t = this.textures.get(slot.channel);
    if (!t || t.width !== slot.width || t.height !== slot.height || t.dtype !== slot.dtype) {
      t?.tex.destroy();
      const opts: createREGL.Texture2DOptions = { width: slot.width, height: slot.height, wrapS: 'clamp', wrapT: 'clamp' };
      if (slot.dtype === DType.U8) Object.assign(opts, { format: 'luminance', type: 'uint8', min: 'nearest', mag: 'nearest' });
      else if (slot.dtype === DType.U16) Object.assign(opts, { format: 'luminance alpha', type: 'uint8', min: 'nearest', mag: 'nearest' });
      else Object.assign(opts, { format: 'luminance', type: 'float', min: 'nearest', mag: 'nearest' });
      t = { tex: this.regl.texture(opts), width: slot.width, height: slot.height, dtype: slot.dtype };
      this.textures.set(slot.channel, t);
    }
    t.tex.subimage({ width: slot.width, height: slot.height, data: pixelView(bytes, slot) as any }, 0, 0);
    this.uploads++;
  }

  hasTexture(channel: number): boolean {
    return this.textures.has(channel);
  }

  /** Forget all textures (after a restore regl's texture objects come back empty: re-upload). */
  textureDims(channel: number): { width: number; height: number } | null {
    const t = this.textures.get(channel);
    return t ? { width: t.width, height: t.height } : null;
  }

  /**
   * Draw tiles. `full` (default): clear the canvas and draw every tile. Otherwise draw only the
   * tiles marked `dirty` over what the buffer holds (same layout as the last full render).
   */
  render(tiles: readonly TileDraw[], full = true): void {
    if (this.lost) return;
    const dpr = this.scale;
    const H = this.canvas.height;
    this.regl.poll();
    if (full) this.regl.clear({ color: [0.07, 0.07, 0.08, 1] });
    for (const tile of tiles) {
      if (!full && !tile.dirty) continue;
      const t = this.textures.get(tile.channel);
      if (!t) continue;
      const r = imageViewport(tile, dpr, H, t.width / t.height, this.rect);
      const w = windowScaleBias(tile.lo, tile.hi, this.window);
      const p = this.props;
      p.img = t.tex;
      p.scale = w.scale;
      p.bias = w.bias;
      p.viewport.x = r.x;
      p.viewport.y = r.y;
      p.viewport.width = r.w;
      p.viewport.height = r.h;
      p.lutY = (tile.cmapRow + 0.5) / COLORMAPS.length;
      this.drawBy.get(t.dtype)!(p);
      this.draws++;
    }
    this.regl._gl.flush();
  }

  /**
   * Read back a rectangle (CSS px relative to the canvas) of what the last `render` drew.
   */
  read(x: number, y: number, w: number, h: number): { width: number; height: number; rgba: Uint8Array } {
    const dpr = this.scale;
    const px = Math.max(0, Math.round(x * dpr));
    const pw = Math.max(1, Math.min(this.canvas.width - px, Math.round(w * dpr)));
    const ph = Math.max(1, Math.round(h * dpr));
    const py = Math.max(0, Math.round(this.canvas.height - (y * dpr + ph)));
    // Raw readPixels: regl's read() insists on preserveDrawingBuffer, which costs a copy per frame.
    const gl = this.regl._gl;
    const rgba = new Uint8Array(pw * ph * 4);
    gl.readPixels(px, py, pw, ph, gl.RGBA, gl.UNSIGNED_BYTE, rgba);
    return { width: pw, height: ph, rgba };
  }

  /** Test hook: lose the context through WEBGL_lose_context and restore it after `ms`. */
  loseContext(ms: number): boolean {
    const ext = this.regl._gl.getExtension('WEBGL_lose_context');
    if (!ext) return false;
    ext.loseContext();
    setTimeout(() => ext.restoreContext(), ms);
    return true;
  }

  forget(channel: number): void {
    this.textures.get(channel)?.tex.destroy();
    this.textures.delete(channel);
  }

  destroy(): void {
    this.regl.destroy();
  }
}
