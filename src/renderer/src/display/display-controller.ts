/**
 * The per-frame side of the UI, outside React: frames in → textures → one draw per animation frame
 * when something changed; a watchdog timer (independent of frame arrival) that shows STALE / NO
 * SIGNAL / PROCESS DOWN on tiles; HUD numbers written straight into the DOM a few times a second.
 */
import type { DeliveredFrame } from '../../../shared/bridge';
import type { ChannelHealth } from '../../../shared/health';
import { isFrozen, useUi, visibleChannels, type UiState } from '../state/ui-store';
import { colormapRow } from './colormaps';
import { acquiredMs, FrameStore, type ChannelSlot } from './frame-store';
import { GlDisplay, type TileDraw } from './gl-display';
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
  uploaded(bytes: Uint8Array): void;
  presented(bytes: Uint8Array): void;
  dropped(bytes: Uint8Array): void;
}

export class DisplayController {
  readonly store = new FrameStore();
  private sync: PageClockSync | null = null;
  private stamps: FrameStamps | null = null;
  private gl: GlDisplay | null = null;
  private canvas: HTMLCanvasElement | null = null;
  private readonly tiles = new Map<number, TileView>();
  private rafPending = false;
  /** Set by tileDraws when a tile's image rect moved since the last draw. */
  private tileMoved = false;
  private redrawRequested = true;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private lastHudAt = 0;
  private ui: UiState = useUi.getState();
  private readonly unsub: () => void;
  private resizeObs: ResizeObserver | null = null;
  private readonly presented = new Set<PresentedListener>();
  private readonly justUploaded: ChannelSlot[] = [];
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
    this.gl = new GlDisplay(canvas, (lost) => {
      useUi.getState().set({ contextLost: lost });
      if (!lost) {
        // regl restored its objects empty: put every channel's last frame back.
        for (const s of this.store.all()) if (s.shown && !s.pending) s.pending = s.shown;
        this.requestRedraw();
      }
    });
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

  /** Entry of every display frame (from the bridge). */
  onFrame = (f: DeliveredFrame): void => {
    const slot = this.store.put(f.bytes, f.channel, f.receivedAtMs, f.droppedBefore);
    if (!slot) {
      this.lastError = this.store.lastError;
      return;
    }
    if (this.stamps) {
      if (this.store.replaced && this.store.replaced !== slot.shown) this.stamps.dropped(this.store.replaced);
      this.stamps.received(f.bytes);
    }
    this.schedule();
  };

  requestRedraw(): void {
    this.redrawRequested = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame(this.frame);
  }

  private readonly frame = (): void => {
    const t0 = performance.now();
    this.drawFrame();
    const dt = performance.now() - t0;
    this.stats.frameMsSum += dt;
    if (dt > this.stats.frameMsMax) this.stats.frameMsMax = dt;
  };

  private drawFrame(): void {
    this.rafPending = false;
    this.stats.rafs++;
    const gl = this.gl;
    if (!gl || gl.lost || !this.canvas) return;
    const ui = this.ui;
    const visible = visibleChannels(ui);
    let full = this.redrawRequested;
    let changed = full;
    this.redrawRequested = false;
    this.justUploaded.length = 0;
    for (const ch of visible) {
      if (!this.store.has(ch)) continue;
      const s = this.store.slot(ch);
      if (!s.pending || isFrozen(ui, ch)) continue;
      // A re-upload of the frame already shown (context restore) is not a new presentation.
      const fresh = s.pending !== s.shown;
      try {
        gl.upload(s, s.pending);
      } catch (e) {
        this.lastError = e instanceof Error ? e.message : String(e);
        s.pending = null;
        continue;
      }
      s.shown = s.pending;
      s.pending = null;
      s.dirty = true;
      this.stats.uploads++;
      if (fresh) {
        this.stamps?.uploaded(s.shown);
        this.justUploaded.push(s);
      }
      changed = true;
    }
    if (!changed) return;
    if (this.resizeCanvas()) full = true;
    // Only tiles with a new texture are drawn again, unless the view changed (layout, W/L, colormap…).
    this.tileMoved = false;
    const draws = this.tileDraws(ui, visible);
    if (this.tileMoved) full = true;
    gl.render(draws, full);
    for (const s of this.store.all()) s.dirty = false;
    this.stats.draws++;
    if (full) this.stats.fullDraws++;
    // HUD latency: acquisition → draw issued, on the engine clock through the shared sync.
    const offNs = this.sync ? this.sync.offsetNs() : NaN;
    const engineNowMs = Number.isNaN(offNs) ? NaN : performance.now() + offNs / 1e6;
    for (const s of this.justUploaded) {
      if (!s.shown) continue;
      if (!Number.isNaN(engineNowMs)) s.noteLatency(engineNowMs - acquiredMs(s.shown));
      this.stamps?.presented(s.shown);
      for (const l of this.presented) l(s.channel, s.shown);
    }
  }

  /** Match the backing store to the canvas' CSS size; true when it changed (the buffer is then cleared). */
  private resizeCanvas(): boolean {
    const c = this.canvas!;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(c.clientWidth * dpr));
    const h = Math.max(1, Math.round(c.clientHeight * dpr));
    if (c.width === w && c.height === h) return false;
    c.width = w;
    c.height = h;
    return true;
  }

  private tileDraws(ui: UiState, visible: number[]): TileDraw[] {
    const out: TileDraw[] = [];
    const cr = this.canvas!.getBoundingClientRect();
    for (const ch of visible) {
      const view = this.tiles.get(ch);
      if (!view || !this.store.has(ch)) continue;
      const s = this.store.slot(ch);
      const r = view.image.getBoundingClientRect();
      const [lo, hi] = effectiveRange(ui.wlByChannel[ch], ui.wlGlobal, s.dtype, s.vmin, s.vmax);
      const x = r.left - cr.left;
      const y = r.top - cr.top;
      if (x !== view.lx || y !== view.ly || r.width !== view.lw || r.height !== view.lh) {
        this.tileMoved = true;
        view.lx = x;
        view.ly = y;
        view.lw = r.width;
        view.lh = r.height;
      }
      out.push({ channel: ch, x, y, w: r.width, h: r.height, lo, hi, cmapRow: colormapRow(ui.colormapByChannel[ch] ?? ui.colormap), dirty: s.dirty });
    }
    return out;
  }

  /** The data range currently applied to a channel (for the W/L controls' starting point). */
  currentRange(ch: number): [number, number] {
    const s = this.store.has(ch) ? this.store.slot(ch) : null;
    return effectiveRange(this.ui.wlByChannel[ch], this.ui.wlGlobal, s?.dtype ?? 1, s?.vmin ?? 0, s?.vmax ?? 0);
  }

  /** The frame period a channel is judged on (its delivered cadence within [nominal, 4× nominal]). */
  periodOf(ch: number): number {
    const nominal = nominalPeriodMs(this.ui.channels.find((c) => c.channel === ch)?.fps);
    return this.store.has(ch) ? this.store.slot(ch).periodMs(nominal) : nominal;
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

  signalOf(ch: number, now: number): TileSignal {
    const s = this.store.has(ch) ? this.store.slot(ch) : null;
    const h: ChannelHealth | undefined = this.ui.health[ch];
    const held = heldReason(this.ui.engine?.paused ?? false, this.ui.replayState);
    const sig = tileSignal(now, s ? s.lastArrivalMs : -1, this.periodOf(ch), h, this.ui.connected, held);
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
      if (s.lastArrivalMs < 0) continue;
      const due = s.lastArrivalMs + STALE_PERIODS * this.periodOf(ch) + 1 - now;
      if (due > 0 && due < next) next = due;
    }
    return next;
  }

  private onWatchdog(): void {
    const now = performance.now();
    const hud = now - this.lastHudAt >= HUD_MS;
    if (hud) this.lastHudAt = now;
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
        title = 'STALE — NO SIGNAL';
        detail = `last frame ${formatAge(sig.ageMs)} ago`;
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
      if (v.overlayTitle) v.overlayTitle.textContent = title;
    }
    if (v.overlayDetail && v.overlayDetail.textContent !== detail) v.overlayDetail.textContent = detail;
  }

  /**
   * What the screen shows in a channel's image area, read back from the GL canvas (RGBA, rows
   * bottom-up). Re-draws the current view first (no upload). For tests and support; null when the
   * tile is not on screen or the context is lost.
   */
  readTile(ch: number): { width: number; height: number; rgba: Uint8Array } | null {
    const gl = this.gl;
    const view = this.tiles.get(ch);
    if (!gl || gl.lost || !this.canvas || !view) return null;
    this.resizeCanvas();
    gl.render(this.tileDraws(this.ui, visibleChannels(this.ui)), true);
    const cr = this.canvas.getBoundingClientRect();
    const r = view.image.getBoundingClientRect();
    return gl.read(r.left - cr.left, r.top - cr.top, r.width, r.height);
  }

  /** Test hook: lose and (after `ms`) restore the WebGL context. */
  simulateContextLoss(ms = 300): boolean {
    const ext = this.gl?.loseContextExtension();
    if (!ext) return false;
    ext.loseContext();
    setTimeout(() => ext.restoreContext(), ms);
    return true;
  }
}
