/**
 * Where the display's pixels are drawn, as the display controller sees it: frames handed over as
 * they arrive, a view (tiles, window/level, colormaps) set when it changes, and presentation notices
 * that hand the frames back with when they were uploaded and presented (page clock, ms).
 *
 * - `WorkerSurface` (WebGL): the canvas is transferred to the GL worker (`gl-worker.ts`), frame
 *   buffers travel there and back by transfer. Keeps WebGL's synchronous read-back for the software
 *   compositor off the main thread (see `gl-protocol.ts`).
 * - `PageSurface` (Canvas 2D, and wherever OffscreenCanvas is missing): the same draw loop on the
 *   page. See `surfaceFor` for why Canvas 2D draws here.
 */
import { chooseDisplay, createPixelDisplay, probeWebglRenderer } from './display-backend';
import { DrawLoop, type LoopFrame, type UploadedFrame, type ViewTile } from './draw-loop';
import { fromWire, toWire, type GlToPage, type PageToGl } from './gl-protocol';
import type { DisplayChoice, DisplayKind, DisplayPreference, PixelDisplay } from './pixel-display';

export interface SurfaceEvents {
  onContext(lost: boolean): void;
  /** Which display draws and why (once, soon after the surface is made). */
  onDisplay(choice: DisplayChoice): void;
  /**
   * The draw with `uploaded` was composited at `atMs` (page clock); `dropped` were replaced by a newer
   * frame of their channel before upload. All their buffers are the page's again.
   */
  onPresented(uploaded: UploadedFrame[], dropped: LoopFrame[], atMs: number): void;
  /** Right after a draw: channels of the fresh frames it took (uploaded, replaced or refused). */
  onTaken(channels: number[]): void;
  onError(message: string): void;
}

export interface GlSurface {
  readonly lost: boolean;
  /** Backing store size (device px) and backing px per CSS px. */
  setSize(width: number, height: number, scale: number): void;
  /** Hand a frame over; it is the surface's (the worker's: its buffer detached here) until `onPresented` gives it back. */
  frame(f: LoopFrame): void;
  setView(tiles: ViewTile[]): void;
  /** The source's channels now: the display frees what it keeps for any other. */
  retain(channels: number[]): void;
  read(x: number, y: number, w: number, h: number): Promise<{ width: number; height: number; rgba: Uint8Array } | null>;
  /**
   * Test hook: lose the WebGL context and restore it after `ms`. False when not possible: on Canvas
   * 2D, and (worker surface) before the worker has said which display it made.
   */
  loseContext(ms: number): boolean;
  destroy(): void;
}

/**
 * The page's clock (performance.now as the page sees it) minus the platform's: zero unless a test
 * shifted the page's `performance.now` (the latency check does, to prove the clock sync absorbs
 * it); times from the worker are on the platform's timeline and get this added.
 */
function pageSkewMs(): number {
  return performance.now() - Performance.prototype.now.call(performance);
}

export class WorkerSurface implements GlSurface {
  private readonly worker: Worker;
  lost = false;
  /** Known once the worker has made its display. */
  private kind: DisplayKind | null = null;
  private readId = 0;
  private readonly reads = new Map<number, (r: { width: number; height: number; rgba: Uint8Array } | null) => void>();
  private readonly transfer: Transferable[] = [];

  constructor(canvas: HTMLCanvasElement, private readonly ev: SurfaceEvents, display: DisplayPreference) {
    const off = canvas.transferControlToOffscreen();
    this.worker = new Worker(new URL('./gl-worker.ts', import.meta.url), { type: 'module', name: 'specula-gl' });
    this.worker.onmessage = (e: MessageEvent<GlToPage>) => this.onMessage(e.data);
    this.worker.onerror = (e) => ev.onError(`GL worker: ${e.message}`);
    this.post({ type: 'init', canvas: off, pageTimeOrigin: performance.timeOrigin, display }, [off]);
  }

  private post(m: PageToGl, transfer: Transferable[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  private onMessage(m: GlToPage): void {
    switch (m.type) {
      case 'context':
        this.lost = m.lost;
        this.ev.onContext(m.lost);
        break;
      case 'error':
        this.ev.onError(m.message);
        break;
      case 'display':
        this.kind = m.choice.kind;
        this.ev.onDisplay(m.choice);
        break;
      case 'taken':
        this.ev.onTaken(m.channels);
        break;
      case 'presented': {
        const skew = pageSkewMs();
        this.ev.onPresented(m.uploaded.map((u) => ({ frame: fromWire(u.frame), uploadedAtMs: u.uploadedAtMs + skew })), m.dropped.map(fromWire), m.atMs + skew);
        break;
      }
      case 'read':
        this.reads.get(m.id)?.(m.result);
        this.reads.delete(m.id);
        break;
    }
  }

  setSize(width: number, height: number, scale: number): void {
    this.post({ type: 'size', width, height, scale });
  }

  frame(f: LoopFrame): void {
    this.transfer.length = 0;
    const frame = toWire(f, this.transfer);
    this.post({ type: 'frame', frame }, this.transfer);
  }

  setView(tiles: ViewTile[]): void {
    this.post({ type: 'view', tiles });
  }

  retain(channels: number[]): void {
    this.post({ type: 'channels', channels });
  }

  read(x: number, y: number, w: number, h: number): Promise<{ width: number; height: number; rgba: Uint8Array } | null> {
    const id = ++this.readId;
    return new Promise((res) => {
      this.reads.set(id, res);
      this.post({ type: 'read', id, x, y, w, h });
    });
  }

  loseContext(ms: number): boolean {
    // Until the worker has said which display it made, whether it can is not known: no.
    if (this.kind !== 'webgl') return false;
    this.post({ type: 'lose', ms });
    return true;
  }

  destroy(): void {
    this.worker.terminate();
    for (const r of this.reads.values()) r(null);
    this.reads.clear();
  }
}

const NO_BYTES = new Uint8Array(0);
/** Frame objects kept for reuse: more than are ever in flight at once (≤ 2–3 per channel). */
const MAX_FREE_FRAMES = 64;

/** The same draw loop on the page's own thread (Canvas 2D; WebGL where OffscreenCanvas is missing). */
export class PageSurface implements GlSurface {
  private readonly gl: PixelDisplay;
  private readonly loop: DrawLoop;
  /** Frame objects back from the loop, for the next hand-overs (no allocation per frame). */
  private readonly free: LoopFrame[] = [];

  constructor(canvas: HTMLCanvasElement, ev: SurfaceEvents, display: DisplayPreference) {
    const made = createPixelDisplay(canvas, display, (lost) => {
      ev.onContext(lost);
      if (!lost) this.loop.invalidate();
    });
    this.gl = made.display;
    // After the constructor returns, like the worker's notice.
    queueMicrotask(() => ev.onDisplay(made.choice));
    this.loop = new DrawLoop(this.gl, (cb) => requestAnimationFrame(cb), () => performance.now(), {
      taken: (c) => ev.onTaken(c),
      presented: (u, d, at) => {
        ev.onPresented(u, d, at);
        for (const x of u) this.recycle(x.frame);
        for (const x of d) this.recycle(x);
      },
      error: (m) => ev.onError(m),
    });
  }

  get lost(): boolean {
    return this.gl.lost;
  }

  setSize(width: number, height: number, scale: number): void {
    this.gl.setSize(width, height, scale);
    this.loop.invalidate();
  }

  /** Back on the free list, without its buffer (a frame of a channel gone must not be kept alive). */
  private recycle(f: LoopFrame): void {
    if (this.free.length >= MAX_FREE_FRAMES) return;
    f.bytes = NO_BYTES;
    this.free.push(f);
  }

  frame(f: LoopFrame): void {
    // The caller reuses its object; the loop keeps this one until it presents or drops it.
    this.loop.frame(Object.assign(this.free.pop() ?? { ...f }, f));
  }

  setView(tiles: ViewTile[]): void {
    this.loop.setView(tiles);
  }

  retain(channels: number[]): void {
    this.loop.retain(channels);
  }

  read(x: number, y: number, w: number, h: number): Promise<{ width: number; height: number; rgba: Uint8Array } | null> {
    return Promise.resolve(this.loop.read(x, y, w, h));
  }

  loseContext(ms: number): boolean {
    return this.gl.loseContext(ms);
  }

  destroy(): void {
    this.gl.destroy();
  }
}

/**
 * Where a display draws. WebGL in a worker: its read-back for a software compositor blocks for
 * ~12 ms a frame (docs/latency.md). Canvas 2D on the page: a worker's canvas that pushed a frame
 * just before a begin frame, while the compositor still held the last one, has its animation frame
 * skipped by Chromium, and as a 30 fps source drifts against the 60 Hz display that phase lasts
 * seconds — frames a refresh or two later. Interleaved on the 2-vCPU machine without a GPU,
 * reference cascade at 3 channels: p99 27–33 ms in 6 of 6 runs on the page against 31–66 ms (3 of
 * 6 within 50) in the worker. Drawing costs the page's thread ~1 ms a frame there.
 */
export function surfaceFor(pref: DisplayPreference, probe: () => string | null = probeWebglRenderer): 'worker' | 'page' {
  return chooseDisplay(pref, probe).kind === 'canvas2d' ? 'page' : 'worker';
}

/**
 * The surface `prefer`red (`surfaceFor`, or the page URL's `?gl=page|worker`), the page one where a
 * worker cannot own a canvas. `display` picks the display drawn with (`display-backend.ts`).
 */
export function createSurface(canvas: HTMLCanvasElement, ev: SurfaceEvents, prefer: 'worker' | 'page' = 'worker', display: DisplayPreference = 'auto'): GlSurface {
  const canWorker = typeof canvas.transferControlToOffscreen === 'function' && typeof Worker === 'function' && typeof OffscreenCanvas === 'function';
  return canWorker && prefer === 'worker' ? new WorkerSurface(canvas, ev, display) : new PageSurface(canvas, ev, display);
}
