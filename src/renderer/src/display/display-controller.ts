/**
 * The per-frame side of the UI, outside React: frames in → textures → one draw per animation frame
 * when something changed; a watchdog timer (independent of frame arrival) that shows STALE / NO
 * SIGNAL / PROCESS DOWN on tiles; HUD numbers written straight into the DOM a few times a second.
 * The pixels themselves are drawn by a `GlSurface`: WebGL in the GL worker owning the canvas (so the
 * main thread never waits for WebGL), the frames travelling there and back by transfer; Canvas 2D on
 * the page (`surfaceFor`).
 */
import type { BridgeEvents, ChannelInfo, DeliveredFrame } from '../../../shared/bridge';
import type { ChannelHealth } from '../../../shared/health';
import { isFrozen, useUi, visibleChannels, type UiState } from '../state/ui-store';
import { colormapRow } from './colormaps';
import { acquiredMs, FrameStore, type ChannelSlot } from './frame-store';
import { parseDisplayPreference } from './display-backend';
import { createSurface, surfaceFor, type GlSurface } from './gl-surface';
import type { LoopFrame, UploadedFrame, ViewTile } from './draw-loop';
import { backingScale, type TileExtent } from './layout';
import { formatAge, heldReason, nominalPeriodMs, STALE_PERIODS, tileSignal, type TileSignal } from './staleness';
import { effectiveRange } from './window-level';

/** DOM nodes of one tile that the controller writes (found once by data-role). */
interface TileView {
  el: HTMLElement;
  /** The part of the tile the image is drawn into (below the HUD). */
  image: HTMLElement;
  fps: HTMLElement | null;
  lat: HTMLElement | null;
  drops: HTMLElement | null;
  overlay: HTMLElement | null;
  overlayTitle: HTMLElement | null;
  overlayDetail: HTMLElement | null;
  lastSignal: string;
  /** Image rect of the last draw (CSS px, canvas-relative): a move forces a full redraw. */
  lx: number;
  ly: number;
  lw: number;
  lh: number;
}

/**
 * Watchdog: a timer chain that wakes at the earliest moment a channel can turn stale (its last
 * arrival + 3 periods, +1 ms) and at least every WATCHDOG_MS to refresh ages; HUD numbers every
 * HUD_MS. It never depends on frames arriving.
 */
export const WATCHDOG_MS = 50;
/** HUD numbers ~4 times a second: readable, and DOM writes stay off the frame path. */
const HUD_MS = 250;

/** How long a process outage stays on the tile at least, ms. */
export const DOWN_LATCH_MS = 1000;

/** A parameter of the page URL (`?gl=page|worker`, `?display=canvas2d`), null outside a browser page. */
function query(name: string): string | null {
  return typeof location !== 'undefined' ? new URLSearchParams(location.search).get(name) : null;
}

export type PresentedListener = (channel: number, bytes: Uint8Array) => void;

/**
 * The page's one clock sync (the latency probe's minimum-round-trip `ClockSyncClient`), on the page
 * clock `performance.now() × 1e6`. The display only reads its offset (HUD latency).
 */
export interface PageClockSync {
  /** Engine − page clock, ns; NaN before the first exchange. Allocation-free. */
  offsetNs(): number;
}

/**
 * Per-frame stamps of the renderer hops (the latency probe). Every frame that reaches the page is
 * `received`; it is then either `uploaded` + `presented`, or `dropped` (replaced before upload).
 */
export interface FrameStamps {
  received(bytes: Uint8Array): void;
  /** `atNs`: when it happened on the page clock (performance.now() × 1e6); default now. */
  uploaded(bytes: Uint8Array, atNs?: number): void;
  presented(bytes: Uint8Array, atNs?: number): void;
  dropped(bytes: Uint8Array): void;
}

export class DisplayController {
  readonly store = new FrameStore();
  private sync: PageClockSync | null = null;
  private stamps: FrameStamps | null = null;
  private gl: GlSurface | null = null;
  /** Backing store size last given to the surface (the canvas element may be transferred). */
  private backingW = 0;
  private backingH = 0;
  private canvas: HTMLCanvasElement | null = null;
  private readonly tiles = new Map<number, TileView>();
  private rafPending = false;
  /** Set by tileDraws when a tile's image rect moved since the last draw. */
  private redrawRequested = true;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private lastHudAt = 0;
  private ui: UiState = useUi.getState();
  private readonly unsub: () => void;
  private resizeObs: ResizeObserver | null = null;
  private readonly presented = new Set<PresentedListener>();
  /** Total frames drawn / rAF callbacks that drew (diagnostics, read by e2e). */
  stats = { draws: 0, fullDraws: 0, uploads: 0, rafs: 0, frameMsMax: 0, frameMsSum: 0, watchdogLateMsMax: 0 };
  lastError: string | null = null;

  constructor() {
    this.unsub = useUi.subscribe((s, prev) => {
      this.ui = s;
      if (s.health !== prev.health) {
        const now = performance.now();
        for (const h of Object.values(s.health)) this.noteHealth(h.channel, h, now);
      }
      // The engine's stall notices describe the connection they came on; after a reconnect only
      // new notices (and the page's own watchdog) count.
      if (s.connected !== prev.connected) for (const slot of this.store.all()) slot.engineStale = null;
      if (s.channels !== prev.channels) this.retainChannels(s.channels);
      // At once, not at the next draw: the returning tiles mount (and are judged) before that.
      if (s.channels !== prev.channels || s.focus !== prev.focus) this.updateShown();
      // Redraw for view changes only (health updates a few times a second do not change pixels).
      if (s.channels !== prev.channels || s.focus !== prev.focus || s.colormap !== prev.colormap || s.colormapByChannel !== prev.colormapByChannel ||
        s.wlGlobal !== prev.wlGlobal || s.wlByChannel !== prev.wlByChannel || s.frozen !== prev.frozen || s.frozenAll !== prev.frozenAll || s.panel !== prev.panel) {
        this.requestRedraw();
      }
    });
  }

  /** Attach to the canvas (React effect). */
  attach(canvas: HTMLCanvasElement): void {
    this.canvas = canvas;
    // The watchdog first: the safety overlays must work even if WebGL does not.
    this.armWatchdog(0);
    this.backingW = 0;
    this.backingH = 0;
    const display = parseDisplayPreference(query('display'));
    // `?gl=page|worker` overrides where it draws (for comparisons); else by display (`surfaceFor`).
    const where = query('gl');
    this.gl = createSurface(canvas, {
      onContext: (lost) => {
        useUi.getState().set({ contextLost: lost });
        if (!lost) {
          // regl restored its objects empty: put every channel's last frame back (a frame still
          // in the worker comes back and is uploaded again on its way).
          for (const s of this.store.all()) if (s.shown && s.atSurface === 0 && !s.pending) s.pending = s.shown;
          this.requestRedraw(); // sends the view, then hands those frames over
        }
      },
      onDisplay: (choice) => useUi.getState().set({ display: choice }),
      onPresented: this.onPresentedFrames,
      onTaken: this.onTakenFrames,
      onError: (m) => {
        this.lastError = m;
      },
    }, where === 'page' || where === 'worker' ? where : surfaceFor(display), display);
    this.resizeObs = new ResizeObserver(() => this.requestRedraw());
    this.resizeObs.observe(canvas);
    this.requestRedraw();
  }

  detach(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    this.resizeObs?.disconnect();
    this.gl?.destroy();
    this.gl = null;
    this.canvas = null;
    // Frames the surface held do not come back from a destroyed one.
    for (const s of this.store.all()) s.atSurface = 0;
  }

  dispose(): void {
    this.detach();
    this.unsub();
  }

  /** Use the page's clock sync and latency probe (`startLatencyProbe` calls it once at startup). */
  useLatency(sync: PageClockSync, stamps: FrameStamps): void {
    this.sync = sync;
    this.stamps = stamps;
  }

  /** Diagnostics (read by `specula latency` on failure): the shared sync's offset, ms. */
  get clock(): { offsetMs: number } {
    return { offsetMs: this.sync ? this.sync.offsetNs() / 1e6 : NaN };
  }

  onPresented(l: PresentedListener): () => void {
    this.presented.add(l);
    return () => this.presented.delete(l);
  }

  /** A tile's DOM root (React ref callback); null on unmount. */
  registerTile(channel: number, el: HTMLElement | null): void {
    if (!el) {
      this.tiles.delete(channel);
      return;
    }
    const q = (r: string) => el.querySelector<HTMLElement>(`[data-role="${r}"]`);
    this.tiles.set(channel, { el, image: q('image') ?? el, fps: q('fps'), lat: q('lat'), drops: q('drops'), overlay: q('overlay'), overlayTitle: q('overlay-title'), overlayDetail: q('overlay-detail'), lastSignal: '', lx: NaN, ly: NaN, lw: NaN, lh: NaN });
    this.requestRedraw();
    this.onWatchdog();
  }

  /**
   * Tells the transport the page is done with a frame of a channel (`SpeculaBridge.frameDone`).
   * Called once per delivered frame: when the surface gives it back drawn or replaced, or at once
   * when the page holds it (frozen, off screen, context lost: a newer one simply replaces it) or
   * refuses it.
   */
  private frameDone: (channel: number) => void = () => {};

  /** Connect the transport's acknowledgement (see `frameDone`). */
  setFrameDone(done: (channel: number) => void): void {
    this.frameDone = done;
  }

  /** Tells the transport which channels are on screen (`SpeculaBridge.showOnly`). */
  private showOnly: (channels: readonly number[] | null) => boolean = () => false;
  /** The last list told (`*` for all), so a redraw does not repeat it. */
  private shownKey = '*';
  /** The transport holds back the frames of the channels not on screen (its answer to `showOnly`). */
  private filtering = false;

  /** Connect the transport's channel filter (see `showOnly`). */
  setShowOnly(fn: (channels: readonly number[] | null) => boolean): void {
    this.showOnly = fn;
  }

  /** The channels on screen now (`visible`), and the transport told. */
  private updateShown(): number[] {
    const visible = visibleChannels(this.ui);
    const before = this.visible;
    this.visible = new Set(visible);
    this.tellShown(visible, before);
    return visible;
  }

  /**
   * After the view changed: tell the transport the channels on screen (all: null). Channels coming
   * back from a filter show their last, old image until a new frame comes: marked as resuming so
   * the tile says so (`signalOf`) instead of passing the old image for live.
   */
  private tellShown(visible: readonly number[], before: ReadonlySet<number>): void {
    const list = visible.length >= this.ui.channels.length ? null : visible;
    const key = list ? list.join(',') : '*';
    if (key === this.shownKey) return;
    this.shownKey = key;
    if (this.filtering) {
      const now = performance.now();
      for (const ch of visible) if (!before.has(ch) && this.store.has(ch)) this.store.slot(ch).resumedAtMs = now;
    }
    this.filtering = this.showOnly(list);
  }

  /** Entry of every display frame (from the bridge): straight on to the surface unless held. */
  onFrame = (f: DeliveredFrame): void => {
    const slot = this.store.put(f.bytes, f.channel, f.receivedAtMs, f.droppedBefore);
    if (!slot) {
      this.lastError = this.store.lastError;
      this.frameDone(f.channel);
      return;
    }
    if (this.stamps) {
      if (this.store.replaced && this.store.replaced !== slot.shown) this.stamps.dropped(this.store.replaced);
      this.stamps.received(f.bytes);
    }
    // The transport's window is keyed by its own channel id; a frame whose header names another
    // channel (counted as misrouted) is acknowledged on the transport's id at once.
    if (slot.channel !== f.channel) this.frameDone(f.channel);
    else slot.owedToTransport++;
    this.handOver(slot);
    if (slot.pending === f.bytes && slot.owedToTransport > 0) {
      // Held on the page: latest wins here, so the transport may send the next one.
      slot.owedToTransport--;
      this.frameDone(slot.channel);
    }
  };

  /**
   * Give a channel's waiting frame to the surface, unless the channel is frozen, off screen, or the
   * context is lost (then it waits here, latest wins). The surface draws it at its next animation
   * frame and hands it back (`onPresentedFrames`); meanwhile it is the surface's (`atSurface`; from the worker surface, `shown` is detached).
   */
  private handOver(s: ChannelSlot): void {
    const gl = this.gl;
    if (!s.pending || !gl || gl.lost || !this.visible.has(s.channel) || isFrozen(this.ui, s.channel)) return;
    // A re-upload of the frame already shown (context restore) is not a new presentation.
    const fresh = s.pending !== s.shown;
    const f = this.loopFrame;
    f.channel = s.channel;
    f.width = s.width;
    f.height = s.height;
    f.dtype = s.dtype;
    f.vmin = s.vmin;
    f.vmax = s.vmax;
    f.bytes = s.pending;
    f.fresh = fresh;
    s.shown = s.pending;
    s.pending = null;
    s.atSurface++;
    this.stats.uploads++;
    gl.frame(f);
    // The data geometry may have changed: the backing scale follows (checked once a frame is shown).
    if (this.backingW === 0 || s.width !== s.lastW || s.height !== s.lastH) {
      s.lastW = s.width;
      s.lastH = s.height;
      this.requestRedraw();
    }
  }

  /** Reused for every hand-over (the surface copies its fields into its message or queue). */
  private readonly loopFrame: LoopFrame = { channel: 0, width: 0, height: 0, dtype: 0 as LoopFrame['dtype'], vmin: 0, vmax: 0, bytes: new Uint8Array(0), fresh: true };
  /** Channels on screen (kept in step with the UI state). */
  private visible = new Set<number>();

  /** Recompute the view (tiles, window/level, colormaps, backing size) at the next animation frame. */
  requestRedraw(): void {
    this.redrawRequested = true;
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame(this.frame);
  }

  private readonly frame = (): void => {
    const t0 = performance.now();
    this.rafPending = false;
    this.stats.rafs++;
    if (this.redrawRequested) this.sendView();
    const dt = performance.now() - t0;
    this.stats.frameMsSum += dt;
    if (dt > this.stats.frameMsMax) this.stats.frameMsMax = dt;
  };

  /**
   * The source's channel list changed: the display frees the image it keeps of each channel gone,
   * and the page the frames it kept of it, shown or held (a source switch must not leave every old
   * channel's buffers behind; a held frame was already acknowledged to the transport, and is
   * counted as dropped). A channel that comes back starts blank until its first frame.
   */
  private retainChannels(channels: readonly ChannelInfo[]): void {
    const keep = channels.map((c) => c.channel);
    this.gl?.retain(keep);
    for (const s of this.store.all()) {
      if (keep.includes(s.channel)) continue;
      if (s.pending && s.pending !== s.shown) {
        s.dropped++;
        this.stamps?.dropped(s.pending);
      }
      s.pending = null;
      s.shown = null;
    }
  }

  /** The view as the page lays it out: tile rectangles, window/level, colormap; frames held before. */
  private sendView(): void {
    const gl = this.gl;
    if (!gl || !this.canvas) return;
    this.redrawRequested = false;
    const ui = this.ui;
    const visible = this.updateShown();
    this.resizeCanvas(visible);
    gl.setView(this.viewTiles(ui, visible));
    this.stats.fullDraws++;
    // Frames held while their channel was frozen or off screen go now.
    for (const ch of visible) if (this.store.has(ch)) this.handOver(this.store.slot(ch));
  }

  /**
   * Frames back from the surface after the draw that showed them was composited: stamp uploaded /
   * presented at the times the surface measured, HUD latency (acquisition → presented, engine clock
   * through the shared sync), presented listeners; frames it replaced before upload are dropped.
   */
  private readonly onPresentedFrames = (uploaded: UploadedFrame[], dropped: LoopFrame[], atMs: number): void => {
    const offNs = this.sync ? this.sync.offsetNs() : NaN;
    for (const d of dropped) {
      this.giveBack(d);
      if (d.fresh) {
        this.stamps?.dropped(d.bytes);
        if (this.store.has(d.channel)) this.store.slot(d.channel).dropped++;
      }
    }
    if (uploaded.length > 0) this.stats.draws++;
    for (const u of uploaded) {
      const f = u.frame;
      const s = this.giveBack(f);
      if (!f.fresh) continue;
      this.stamps?.uploaded(f.bytes, u.uploadedAtMs * 1e6);
      this.stamps?.presented(f.bytes, atMs * 1e6);
      if (s && !Number.isNaN(offNs)) s.noteLatency(atMs + offNs / 1e6 - acquiredMs(f.bytes));
      for (const l of this.presented) l(f.channel, f.bytes);
    }
  };

  /**
   * Right after a draw the surface says which fresh frames it took (drawn, or replaced before
   * upload): acknowledge each to the transport if still owed. Not waiting for the presentation
   * notice saves the channel's next frame a refresh (~15 ms at p50 here).
   */
  private readonly onTakenFrames = (channels: number[]): void => {
    for (const ch of channels) {
      const s = this.store.has(ch) ? this.store.slot(ch) : null;
      if (!s || s.owedToTransport <= 0) continue;
      s.owedToTransport--;
      this.frameDone(ch);
    }
  };

  /** A frame buffer is the page's again: if its slot's `shown` is detached, this is (or precedes) it. */
  private giveBack(f: LoopFrame): ChannelSlot | null {
    const s = this.store.has(f.channel) ? this.store.slot(f.channel) : null;
    if (!s) return null;
    if (s.atSurface > 0) s.atSurface--;
    // The worker surface: the buffer was transferred (detached here) and comes back now.
    if (s.shown && s.shown.byteLength === 0) s.shown = f.bytes;
    return s;
  }

  /** Reused per draw by `resizeCanvas` (no allocation per frame). */
  private readonly extents: TileExtent[] = [];

  /**
   * Match the backing store to the canvas' CSS size at `backingScale` (device pixels, or fewer when
   * every visible frame is smaller than its tile); true when it changed (the buffer is then cleared).
   */
  private resizeCanvas(visible: readonly number[]): boolean {
    const c = this.canvas!;
    let n = 0;
    for (const ch of visible) {
      const view = this.tiles.get(ch);
      if (!view || !this.store.has(ch)) continue;
      const s = this.store.slot(ch);
      if (!s.shown && !s.pending) continue;
      const e = this.extents[n] ?? (this.extents[n] = { w: 0, h: 0, dataW: 0, dataH: 0 });
      e.w = view.image.clientWidth;
      e.h = view.image.clientHeight;
      e.dataW = s.width;
      e.dataH = s.height;
      n++;
    }
    this.extents.length = n;
    const scale = backingScale(this.extents, window.devicePixelRatio || 1);
    const w = Math.max(1, Math.round(c.clientWidth * scale));
    const h = Math.max(1, Math.round(c.clientHeight * scale));
    if (this.backingW === w && this.backingH === h) return false;
    this.backingW = w;
    this.backingH = h;
    // The CSS → backing factor actually applied (rounding), so tiles land on the right pixels.
    this.gl!.setSize(w, h, w / Math.max(1, c.clientWidth));
    return true;
  }

  /** Tile rectangles (CSS px, canvas-relative) with their window/level and colormap. */
  private viewTiles(ui: UiState, visible: number[]): ViewTile[] {
    const out: ViewTile[] = [];
    const cr = this.canvas!.getBoundingClientRect();
    for (const ch of visible) {
      const view = this.tiles.get(ch);
      if (!view) continue;
      const r = view.image.getBoundingClientRect();
      view.lx = r.left - cr.left;
      view.ly = r.top - cr.top;
      view.lw = r.width;
      view.lh = r.height;
      out.push({ channel: ch, x: view.lx, y: view.ly, w: r.width, h: r.height, wl: ui.wlByChannel[ch], wlGlobal: ui.wlGlobal, cmapRow: colormapRow(ui.colormapByChannel[ch] ?? ui.colormap) });
    }
    return out;
  }

  /** True when a tile's image area moved since the view was sent (a layout change without a resize). */
  private tilesMoved(): boolean {
    if (!this.canvas) return false;
    const cr = this.canvas.getBoundingClientRect();
    for (const ch of this.visible) {
      const view = this.tiles.get(ch);
      if (!view) continue;
      const r = view.image.getBoundingClientRect();
      if (r.left - cr.left !== view.lx || r.top - cr.top !== view.ly || r.width !== view.lw || r.height !== view.lh) return true;
    }
    return false;
  }

  /** The data range currently applied to a channel (for the W/L controls' starting point). */
  currentRange(ch: number): [number, number] {
    const s = this.store.has(ch) ? this.store.slot(ch) : null;
    return effectiveRange(this.ui.wlByChannel[ch], this.ui.wlGlobal, s?.dtype ?? 1, s?.vmin ?? 0, s?.vmax ?? 0);
  }

  /** The frame period a channel is judged on (its delivered cadence within [nominal, 4× nominal]). */
  periodOf(ch: number): number {
    const nominal = this.nominalOf(ch);
    return this.store.has(ch) ? this.store.slot(ch).periodMs(nominal) : nominal;
  }

  /**
   * Until when a channel back on screen (focus view) may show its old image as RESUMING: its return
   * plus the stale threshold; -Infinity when no frame is awaited since a return.
   */
  private resumeEndsAtMs(s: ChannelSlot): number {
    return s.resumedAtMs > s.lastArrivalMs ? s.resumedAtMs + STALE_PERIODS * this.periodOf(s.channel) : -Infinity;
  }

  private nominalOf(ch: number): number {
    return nominalPeriodMs(this.ui.channels.find((c) => c.channel === ch)?.fps);
  }

  /**
   * Process outages are latched: a channel whose process was seen down/restarting (or whose pid
   * changed: it was replaced between two health reports) keeps saying so until a frame arrived
   * from the new process and at least DOWN_LATCH_MS passed, so a fast restart is still visible.
   */
  private readonly downSince = new Map<number, { at: number; pid: number | null; error: string | null }>();
  private readonly lastPid = new Map<number, number | null>();

  private readonly wasRunning = new Set<number>();

  /** Called for EVERY health event (not just what the watchdog happens to see). */
  private noteHealth(ch: number, h: ChannelHealth, now: number): void {
    const prevPid = this.lastPid.get(ch);
    if (h.pid !== null) this.lastPid.set(ch, h.pid);
    const replaced = prevPid !== undefined && h.pid !== null && h.pid !== prevPid;
    const restarting = h.state === 'down' || h.state === 'restarting' || (h.state === 'starting' && this.wasRunning.has(ch));
    if ((restarting || replaced) && !this.downSince.has(ch)) {
      this.downSince.set(ch, { at: now, pid: prevPid ?? null, error: h.lastError });
    }
    if (h.state === 'running') this.wasRunning.add(ch);
  }

  /**
   * The producer's judgement of a channel's output (`stale` event: the engine in web mode, the
   * channel's worker in Electron): shown at once, without waiting for the page's own watchdog, which
   * judges the (possibly slower) delivered cadence.
   */
  readonly onEngineStale = (n: BridgeEvents['stale']): void => {
    if (!this.store.has(n.channel)) return; // no frame yet: the tile says "waiting" anyway
    const now = performance.now();
    this.store.slot(n.channel).engineStale = n.stale ? { atMs: now, ageMs: n.ageMs, lastFrameMs: n.lastFrameMs, thresholdMs: n.thresholdMs ?? NaN } : null;
    this.onWatchdog();
    this.armWatchdog(this.nextDeadline(performance.now()));
  };

  signalOf(ch: number, now: number): TileSignal {
    const s = this.store.has(ch) ? this.store.slot(ch) : null;
    const h: ChannelHealth | undefined = this.ui.health[ch];
    // Back on screen after the transport held its frames: an old image, not a lost signal (yet) —
    // unless the engine already said the channel stopped producing: then no frame is coming.
    const resuming = s !== null && !s.engineStale && now <= this.resumeEndsAtMs(s);
    const held = heldReason(this.ui.engine?.paused ?? false, this.ui.replayState) ?? (resuming ? 'RESUMING' : null);
    const es = s?.engineStale;
    const sig = tileSignal(now, s ? s.lastArrivalMs : -1, this.periodOf(ch), h, this.ui.connected, held, es ? es.ageMs + (now - es.atMs) : null);
    const down = this.downSince.get(ch);
    if (down && sig.kind !== 'disconnected') {
      const recovered = now - down.at >= DOWN_LATCH_MS && s !== null && s.lastArrivalMs > down.at && h?.state === 'running';
      if (!recovered) return sig.kind === 'down' ? sig : { kind: 'down', state: 'restarting', error: h?.lastError ?? down.error };
      this.downSince.delete(ch);
    }
    return sig;
  }

  private watchdogDueAt = 0;
  private readonly onWatchdogTimer = (): void => {
    const late = performance.now() - this.watchdogDueAt;
    if (late > this.stats.watchdogLateMsMax) this.stats.watchdogLateMsMax = late;
    this.onWatchdog();
    this.armWatchdog(this.nextDeadline(performance.now()));
  };

  private armWatchdog(inMs: number): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdogDueAt = performance.now() + inMs;
    this.watchdog = setTimeout(this.onWatchdogTimer, inMs);
  }

  /** Milliseconds until the next moment some live channel would cross its stale threshold. */
  private nextDeadline(now: number): number {
    let next = WATCHDOG_MS;
    for (const ch of this.tiles.keys()) {
      if (!this.store.has(ch)) continue;
      const s = this.store.slot(ch);
      const due = s.cadence.staleAtMs(this.nominalOf(ch)) + 1 - now; // Infinity before the first frame
      if (due > 0 && due < next) next = due;
      // A resuming channel turns STALE if no frame comes within the threshold after its return.
      const resumeDue = this.resumeEndsAtMs(s) + 1 - now;
      if (resumeDue > 0 && resumeDue < next) next = resumeDue;
    }
    return next;
  }

  private onWatchdog(): void {
    const now = performance.now();
    const hud = now - this.lastHudAt >= HUD_MS;
    if (hud) {
      this.lastHudAt = now;
      // A layout change that resized nothing (a panel, a tile moving) still moves the images.
      if (this.tilesMoved()) this.requestRedraw();
    }
    let worstP99 = NaN;
    for (const [ch, v] of this.tiles) {
      const sig = this.signalOf(ch, now);
      this.paintSignal(v, sig);
      if (!hud) continue;
      const s = this.store.has(ch) ? this.store.slot(ch) : null;
      const h = this.ui.health[ch];
      if (v.fps) v.fps.textContent = s ? `${s.fps(now).toFixed(1)} fps` : '— fps';
      const p99 = s ? s.latencyQuantile(0.99) : NaN;
      if (!Number.isNaN(p99)) worstP99 = Number.isNaN(worstP99) ? p99 : Math.max(worstP99, p99);
      if (v.lat) v.lat.textContent = Number.isNaN(p99) ? 'lat —' : `p99 ${p99.toFixed(0)} ms`;
      if (v.drops) v.drops.textContent = `drop ${(s?.dropped ?? 0) + (h ? h.skipped + h.gaps : 0)}`;
    }
    if (hud) {
      const p = Number.isNaN(worstP99) ? null : Math.round(worstP99 * 10) / 10;
      if (p !== this.ui.latencyP99) useUi.getState().set({ latencyP99: p });
    }
  }

  private paintSignal(v: TileView, sig: TileSignal): void {
    let key: string;
    let title = '';
    let detail = '';
    switch (sig.kind) {
      case 'live':
        key = 'live';
        break;
      case 'waiting':
        key = 'waiting';
        title = 'NO SIGNAL';
        detail = 'waiting for the first frame';
        break;
      case 'stale':
        key = 'stale';
        // Only the producer knows the source stopped; this page alone knows no frame reached it
        // (under load the display can fall behind a source that still produces).
        title = sig.by === 'engine' ? 'STALE — NO SIGNAL' : 'STALE — NO NEW FRAME';
        detail = sig.by === 'engine' ? `last frame ${formatAge(sig.ageMs)} ago: the source or its processing stopped` : `frame shown is ${formatAge(sig.ageMs)} old: source or processing stopped, or display behind`;
        break;
      case 'held':
        key = 'held';
        title = `${sig.reason} — not live`;
        detail = `frame shown is ${formatAge(sig.ageMs)} old`;
        break;
      case 'down':
        key = 'down';
        title = sig.state === 'stopped' ? 'CHANNEL STOPPED' : 'PROCESS DOWN';
        detail = sig.state === 'restarting' ? `restarting…${sig.error ? ' ' + sig.error : ''}` : sig.error ?? '';
        break;
      case 'disconnected':
        key = 'disconnected';
        title = 'NO CONNECTION TO ENGINE';
        detail = 'image is not live';
        break;
    }
    if (key !== v.lastSignal) {
      v.lastSignal = key;
      v.el.dataset.signal = key;
      if (v.overlay) v.overlay.hidden = key === 'live';
    }
    // The title too can change within one kind (held: RESUMING → DEVICE PAUSED).
    if (v.overlayTitle && v.overlayTitle.textContent !== title) v.overlayTitle.textContent = title;
    if (v.overlayDetail && v.overlayDetail.textContent !== detail) v.overlayDetail.textContent = detail;
  }

  /**
   * What the screen shows in a channel's image area, read back from the GL canvas (RGBA, rows
   * bottom-up). Re-draws the current view first (no upload). For tests and support; null when the
   * tile is not on screen or the context is lost.
   */
  readTile(ch: number): Promise<{ width: number; height: number; rgba: Uint8Array } | null> {
    const gl = this.gl;
    const view = this.tiles.get(ch);
    if (!gl || gl.lost || !this.canvas || !view) return Promise.resolve(null);
    // The view as it is now (the read draws it again), then the rectangle.
    this.sendView();
    const cr = this.canvas.getBoundingClientRect();
    const r = view.image.getBoundingClientRect();
    return gl.read(r.left - cr.left, r.top - cr.top, r.width, r.height);
  }

  /** Test hook: lose and (after `ms`) restore the WebGL context. */
  simulateContextLoss(ms = 300): boolean {
    return this.gl?.loseContext(ms) ?? false;
  }
}
