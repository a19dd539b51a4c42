/**
 * Page ⇄ GL worker messages (renderer-internal; the engine never sees them).
 *
 * Why a worker: without a GPU (SwiftShader) and with software compositing, Chromium reads a WebGL
 * canvas back synchronously, on the thread that owns it, at every commit. On the page that thread
 * is the main thread: measured here, a full-canvas draw per display refresh kept the main thread
 * 98 % busy and delayed its timers by 33–67 ms (p50), so the STALE watchdog, the HUD and the frame
 * hand-over all ran late. With the canvas transferred to a worker (OffscreenCanvas) the same drawing
 * left the main thread 3 % busy with its timers on time (p50 0 ms).
 *
 * Frames go to the worker as they arrive and come back after their draw, transferred both ways (no
 * copy, no pixel allocation); the page keeps the statistics, the latency stamps and the decisions
 * (which tiles, where, window/level, colormap, frozen), the worker only uploads and draws.
 */
import type { LoopFrame, ViewTile } from './draw-loop';
import type { DisplayChoice, DisplayPreference } from './pixel-display';

/** A frame crossing to or from the worker: `bytes` travels as its transferred buffer. */
export interface WireFrame extends Omit<LoopFrame, 'bytes'> {
  buffer: ArrayBuffer;
  byteOffset: number;
  byteLength: number;
}

export type PageToGl =
  | { type: 'init'; canvas: OffscreenCanvas; pageTimeOrigin: number; display: DisplayPreference }
  | { type: 'size'; width: number; height: number; scale: number }
  | { type: 'frame'; frame: WireFrame }
  | { type: 'view'; tiles: ViewTile[] }
  /** The source's channels now (what is kept for others is freed). */
  | { type: 'channels'; channels: number[] }
  | { type: 'read'; id: number; x: number; y: number; w: number; h: number }
  | { type: 'lose'; ms: number };

export type GlToPage =
  | { type: 'error'; message: string }
  | { type: 'context'; lost: boolean }
  /** Which display draws (sent once, after `init`). */
  | { type: 'display'; choice: DisplayChoice }
  /** Right after a draw: channels of the fresh frames it took (uploaded, replaced or refused). */
  | { type: 'taken'; channels: number[] }
  /** Frames drawn (with upload times) and frames replaced before upload; times on the page clock, ms. */
  | { type: 'presented'; atMs: number; uploaded: { frame: WireFrame; uploadedAtMs: number }[]; dropped: WireFrame[] }
  | { type: 'read'; id: number; result: { width: number; height: number; rgba: Uint8Array } | null };

export function toWire(f: LoopFrame, transfer: Transferable[]): WireFrame {
  const { bytes, ...rest } = f;
  transfer.push(bytes.buffer as ArrayBuffer);
  return { ...rest, buffer: bytes.buffer as ArrayBuffer, byteOffset: bytes.byteOffset, byteLength: bytes.byteLength };
}

export function fromWire(w: WireFrame): LoopFrame {
  const { buffer, byteOffset, byteLength, ...rest } = w;
  return { ...rest, bytes: new Uint8Array(buffer, byteOffset, byteLength) };
}
