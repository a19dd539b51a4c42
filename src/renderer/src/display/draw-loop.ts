/**
 * The draw loop that owns the display, wherever it runs (the GL worker for WebGL, the page for
 * Canvas 2D): latest frame per channel, a bounded number of draws per display refresh and only when
 * something changed, and at the animation frame after a draw the frames go back to the page with the
 * times of upload and presentation.
 *
 * When a frame arrives and fewer than `maxDrawsPerRefresh` draws happened since the last animation
 * frame, it is drawn at once rather than at the next animation frame: the canvas commits when the
 * task ends and the compositor shows it with its next frame either way, so waiting for the
 * animation frame only added up to one refresh (~8 ms on average, 17 ms at worst at 60 Hz) to the
 * frame's latency — and a frame drawn at the animation frame is presented only at the one after.
 * Frames arriving after those draws wait for the next animation frame and are drawn together,
 * which bounds the draws (and canvas commits) per refresh however many channels there are. View
 * changes (size, tiles, window/level) are not latency-critical and wait for the animation frame,
 * so a burst of them is drawn once, unless a frame draws first (it takes the pending view along). A frame of a new
 * geometry can so be drawn once with the old view before the page's new view arrives: one wasted
 * draw, one refresh of a stretched image.
 *
 * Frames handed in are owned by the loop until returned: uploaded ones through `presented`, ones
 * replaced by a newer frame of their channel before upload through `dropped` (latest wins). Tile
 * rectangles, window/level and colormaps come from the page as a view (`setView`); the data range
 * of an automatic window/level is the newest frame's own (its display header's vmin/vmax).
 */
import type { DType } from '../../../shared/frame-header';
import type { PixelDisplay, TileDraw } from './pixel-display';
import { rangeInto, type WindowLevel } from './window-level';

/** A frame handed to the loop: its pixels' geometry, suggested range, and bytes (a display frame). */
export interface LoopFrame {
  channel: number;
  width: number;
  height: number;
  dtype: DType;
  vmin: number;
  vmax: number;
  bytes: Uint8Array;
  /** False for a re-upload of a frame already shown (context restore): not a new presentation. */
  fresh: boolean;
}

/** One tile of the view, CSS px relative to the canvas; window/level as the page has it set. */
export interface ViewTile {
  channel: number;
  x: number;
  y: number;
  w: number;
  h: number;
  wl?: WindowLevel;
  wlGlobal: WindowLevel | null;
  cmapRow: number;
}

export interface UploadedFrame {
  frame: LoopFrame;
  /** Page-clock ms when its upload finished. */
  uploadedAtMs: number;
}

export interface LoopOutput {
  /**
   * Right after a draw: the channels of the fresh frames it uploaded, and of fresh frames replaced
   * (or refused) since the last notice — the loop is done with them, though their buffers come
   * back only with `presented`. The page acknowledges them to the transport here, a refresh before
   * the presentation, so the channel's next frame travels while this one is composited. The array
   * is reused: valid during the call only.
   */
  taken(channels: number[]): void;
  /** The draw with these uploads was composited at `atMs`; `dropped` were replaced before upload. */
  presented(uploaded: UploadedFrame[], dropped: LoopFrame[], atMs: number): void;
  error(message: string): void;
}

export class DrawLoop {
  private readonly pending = new Map<number, LoopFrame>();
  /** dtype / vmin / vmax of the frame on each channel's texture (for automatic window/level). */
  private readonly shownRange = new Map<number, { dtype: DType; vmin: number; vmax: number }>();
  private readonly dirty = new Set<number>();
  /** `tileDraws` output, reused: the array, and one object per tile. */
  private readonly drawList: TileDraw[] = [];
  private readonly drawPool: TileDraw[] = [];
  private view: ViewTile[] = [];
  private viewChanged = true;
  private uploaded: UploadedFrame[] = [];
  private dropped: LoopFrame[] = [];
  /** Channels of fresh frames the loop is done with since the last `taken` notice (reused). */
  private readonly takenChannels: number[] = [];
  /** An animation frame is requested (to draw what waits, to present what was drawn, or both). */
  private tickScheduled = false;
  /** Draws since the last animation frame (at `maxDrawsPerRefresh`, further frames wait for the next one). */
  private drawsThisRefresh = 0;
  /** Draws issued (diagnostics). */
  draws = 0;

  constructor(
    private readonly gl: PixelDisplay,
    private readonly raf: (cb: () => void) => void,
    /** Page-clock ms. */
    private readonly now: () => number,
    private readonly out: LoopOutput,
    /**
     * Frames drawn at once on arrival per display refresh. 2: channels whose frames come in the
     * same refresh (a device's channels are acquired together) are not a refresh apart on screen.
     * Measured end to end on the 2-vCPU machine without a GPU (Canvas 2D, docs/latency.md): against
     * 1, reference 2 channels p99 31–34 vs 41–51 ms, light 16 channels 54–56 vs 60–70 ms with more
     * frames shown; 3 let the extra commits crowd the socket path at 16 channels.
     */
    private readonly maxDrawsPerRefresh = 2,
  ) {}

  /** A new frame for its channel; an older one still waiting is returned as dropped. */
  frame(f: LoopFrame): void {
    const old = this.pending.get(f.channel);
    if (old) {
      this.dropped.push(old);
      if (old.fresh) this.takenChannels.push(old.channel);
    }
    this.pending.set(f.channel, f);
    if (this.drawsThisRefresh >= this.maxDrawsPerRefresh) this.scheduleTick();
    else this.draw();
  }

  setView(tiles: ViewTile[]): void {
    this.view = tiles;
    this.invalidate();
  }

  /**
   * The source's channels now: what the display keeps for any other channel is freed, and a frame
   * of one still waiting is given back as dropped (not drawn into a texture made again for it).
   */
  retain(channels: readonly number[]): void {
    for (const ch of new Set([...this.shownRange.keys(), ...this.pending.keys()])) {
      if (channels.includes(ch)) continue;
      const f = this.pending.get(ch);
      if (f) {
        this.pending.delete(ch);
        this.dropped.push(f);
        if (f.fresh) this.takenChannels.push(ch);
        this.scheduleTick();
      }
      this.shownRange.delete(ch);
      this.gl.forget(ch);
    }
    this.flushTaken();
  }

  /** Tell the page which fresh frames the loop is done with since the last notice. */
  private flushTaken(): void {
    if (this.takenChannels.length === 0) return;
    this.out.taken(this.takenChannels);
    this.takenChannels.length = 0;
  }

  /** Draw every tile again at the next animation frame (size change, context restored). */
  invalidate(): void {
    this.viewChanged = true;
    this.scheduleTick();
  }

  private scheduleTick(): void {
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    this.raf(this.tick);
  }

  /**
   * An animation frame: whatever was drawn before it is composited with it (presented now), a new
   * refresh interval begins, and what waited is drawn.
   */
  private readonly tick = (): void => {
    this.tickScheduled = false;
    if (this.uploaded.length > 0 || this.dropped.length > 0) this.present();
    this.drawsThisRefresh = 0;
    if (this.pending.size > 0 || this.viewChanged) this.draw();
  };

  private draw(): void {
    if (this.gl.lost) return; // `invalidate()` after the restore brings us back
    let changed = this.viewChanged;
    for (const f of this.pending.values()) {
      try {
        this.gl.upload(f, f.bytes);
        this.uploaded.push({ frame: f, uploadedAtMs: this.now() });
        if (f.fresh) this.takenChannels.push(f.channel);
        const range = this.shownRange.get(f.channel);
        if (range) {
          range.dtype = f.dtype;
          range.vmin = f.vmin;
          range.vmax = f.vmax;
        } else {
          this.shownRange.set(f.channel, { dtype: f.dtype, vmin: f.vmin, vmax: f.vmax });
        }
        this.dirty.add(f.channel);
        changed = true;
      } catch (e) {
        this.out.error(e instanceof Error ? e.message : String(e));
        this.dropped.push(f);
        if (f.fresh) this.takenChannels.push(f.channel);
      }
    }
    this.pending.clear();
    if (changed) {
      this.gl.render(this.tileDraws(), this.viewChanged);
      this.draws++;
      this.viewChanged = false;
      this.dirty.clear();
      this.drawsThisRefresh++;
    }
    this.flushTaken();
    // The next animation frame presents this draw (and returns frames that failed or were replaced).
    if (changed || this.dropped.length > 0) this.scheduleTick();
  }

  private present(): void {
    const up = this.uploaded;
    const dr = this.dropped;
    this.uploaded = [];
    this.dropped = [];
    this.out.presented(up, dr, this.now());
  }

  /**
   * The view as draw calls, with each tile's current window/level. The array and its objects are
   * reused from draw to draw (no allocation per frame): valid until the next call.
   */
  tileDraws(): readonly TileDraw[] {
    const out = this.drawList;
    let n = 0;
    for (const t of this.view) {
      const r = this.shownRange.get(t.channel);
      if (!r) continue;
      const d = n < this.drawPool.length ? this.drawPool[n] : (this.drawPool[n] = { channel: 0, x: 0, y: 0, w: 0, h: 0, lo: 0, hi: 1, cmapRow: 0, dirty: false });
      d.channel = t.channel;
      d.x = t.x;
      d.y = t.y;
      d.w = t.w;
      d.h = t.h;
      d.cmapRow = t.cmapRow;
      d.dirty = this.dirty.has(t.channel);
      rangeInto(d, t.wl, t.wlGlobal, r.dtype, r.vmin, r.vmax);
      out[n++] = d;
    }
    out.length = n;
    return out;
  }

  /** Read back a rectangle (CSS px) after drawing the whole view again (tests, support). */
  read(x: number, y: number, w: number, h: number): { width: number; height: number; rgba: Uint8Array } | null {
    if (this.gl.lost) return null;
    this.gl.render(this.tileDraws(), true);
    return this.gl.read(x, y, w, h);
  }
}
