/// <reference lib="webworker" />
/**
 * The display worker: owns the workbench's canvas (an OffscreenCanvas transferred by the page), its
 * one display (`GlDisplay` or `Canvas2dDisplay`, chosen in `display-backend.ts`) and the draw loop
 * (`DrawLoop`); see `gl-protocol.ts` for why this runs off the main thread.
 */
import { createPixelDisplay } from './display-backend';
import { DrawLoop } from './draw-loop';
import { fromWire, toWire, type GlToPage, type PageToGl } from './gl-protocol';
import type { PixelDisplay } from './pixel-display';

declare const self: DedicatedWorkerGlobalScope;

let gl: PixelDisplay | null = null;
let loop: DrawLoop | null = null;
/** Worker clock → page clock (both performance.now() timelines; their origins differ). */
let toPageMs = 0;

function post(m: GlToPage, transfer: Transferable[] = []): void {
  self.postMessage(m, transfer);
}

const raf: (cb: () => void) => void =
  typeof self.requestAnimationFrame === 'function' ? (cb) => self.requestAnimationFrame(cb) : (cb) => setTimeout(cb, 16);

self.onmessage = (ev: MessageEvent<PageToGl>) => {
  const m = ev.data;
  try {
    switch (m.type) {
      case 'init': {
        toPageMs = performance.timeOrigin - m.pageTimeOrigin;
        const made = createPixelDisplay(m.canvas, m.display, (lost) => {
          post({ type: 'context', lost });
          if (!lost) loop?.invalidate();
        });
        gl = made.display;
        post({ type: 'display', choice: made.choice });
        loop = new DrawLoop(gl, raf, () => performance.now() + toPageMs, {
          taken: (channels) => post({ type: 'taken', channels }),
          presented: (uploaded, dropped, atMs) => {
            const transfer: Transferable[] = [];
            post({ type: 'presented', atMs, uploaded: uploaded.map((u) => ({ frame: toWire(u.frame, transfer), uploadedAtMs: u.uploadedAtMs })), dropped: dropped.map((d) => toWire(d, transfer)) }, transfer);
          },
          error: (message) => post({ type: 'error', message }),
        });
        break;
      }
      case 'size':
        gl?.setSize(m.width, m.height, m.scale);
        loop?.invalidate();
        break;
      case 'frame':
        loop?.frame(fromWire(m.frame));
        break;
      case 'view':
        loop?.setView(m.tiles);
        break;
      case 'channels':
        loop?.retain(m.channels);
        break;
      case 'read': {
        const res = loop?.read(m.x, m.y, m.w, m.h) ?? null;
        post({ type: 'read', id: m.id, result: res }, res ? [res.rgba.buffer] : []);
        break;
      }
      case 'lose':
        if (!gl?.loseContext(m.ms)) post({ type: 'error', message: gl?.kind === 'webgl' ? 'WEBGL_lose_context is not available' : 'only a WebGL display can lose its context on purpose' });
        break;
    }
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
