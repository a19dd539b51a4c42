/**
 * What the draw loop draws with. Two implementations of one contract:
 *
 * - `GlDisplay` (WebGL through regl): window/level and colormap in a fragment shader. The right
 *   choice wherever WebGL runs on a GPU.
 * - `Canvas2dDisplay`: the same mapping done on the CPU through a lookup table, the image scaled
 *   onto the canvas by the 2D context. The right choice where WebGL is only emulated on the CPU
 *   (SwiftShader, llvmpipe: VMs, remote desktops, CI). There the compositor is software too, and
 *   Chromium reads a WebGL canvas back from its GL emulation at every frame it shows; a 2D canvas
 *   is already in memory. Measured on this project's 2-vCPU machine (docs/latency.md): one
 *   861×572 canvas redrawn at 60 fps took ~100 % of a core through WebGL and ~20 % through 2D.
 *
 * Both draw the same pixels for the same frame and view (an end-to-end test compares them).
 */
import type { PixelGeometry } from './frame-store';

/** One tile to draw, in CSS pixels relative to the canvas' top-left corner. */
export interface TileDraw {
  channel: number;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Data values shown as the first and the last colour of the map. */
  lo: number;
  hi: number;
  /** Row of the colormap table (`COLORMAPS` index). */
  cmapRow: number;
  /** Its image changed since it was last drawn (a partial render draws only these). */
  dirty?: boolean;
}

/** Which implementation draws: WebGL (shader) or Canvas 2D (CPU lookup). */
export type DisplayKind = 'webgl' | 'canvas2d';
/** What the user asked for (`?display=` in the page URL); `auto` picks by the WebGL renderer. */
export type DisplayPreference = 'auto' | DisplayKind;

/** The backend in use and why (shown in the status bar; reported by the latency check). */
export interface DisplayChoice {
  kind: DisplayKind;
  /** The WebGL renderer string, when WebGL could be probed. */
  renderer: string | null;
  reason: string;
}

export interface PixelDisplay {
  readonly kind: DisplayKind;
  /** The context is lost: nothing is drawn until it comes back (`onContext(false)`). */
  readonly lost: boolean;
  /** Backing store size (device px) and how many of them make one CSS px. */
  setSize(width: number, height: number, scale: number): void;
  /** Take a channel's frame (a display frame: header, then pixels). The bytes may be reused after. */
  upload(slot: PixelGeometry & { channel: number }, bytes: Uint8Array): void;
  /**
   * Draw tiles. `full` (default): clear the canvas and draw every tile. Otherwise only the tiles
   * marked `dirty`, over what the canvas holds (same layout as the last full render). The tiles are
   * the caller's, reused for its next draw: read them during the call only.
   */
  render(tiles: readonly TileDraw[], full?: boolean): void;
  /** A rectangle (CSS px relative to the canvas) of what the last `render` drew: RGBA, rows bottom-up. */
  read(x: number, y: number, w: number, h: number): { width: number; height: number; rgba: Uint8Array };
  /** Free what is kept for a channel (its image, texture, buffers): it is gone from the source. */
  forget(channel: number): void;
  /** Test hook: lose the context and restore it after `ms`. False where that cannot be done. */
  loseContext(ms: number): boolean;
  destroy(): void;
}
