/**
 * The producer side of "a stalled channel looks stalled": watches a channel's display frames as the
 * cascade publishes them (every frame, before anyone decides whether to pass it on) and says when it
 * stops. Web mode: the engine host runs one for all channels and sends `stale` bridge events;
 * Electron: each channel worker runs one and posts the notice on its frame port.
 *
 * The page has its own watchdog, but it can only judge the frames that reach it: when the display
 * path is slower than the source (a loaded 2-core box delivers 15–25 of 30 fps to the page), its
 * period estimate stretches and a stall is flagged late (3 × the delivered period). Here the
 * production cadence is seen undistorted: a stall is flagged 3 production periods (the median
 * interval, within 1–4× nominal) after the last frame. The notice does not wait for the frame
 * window: it can overtake frames still waiting on the server or in the page's frame worker, which
 * is harmless because the page keeps the verdict until `stale: false`. Both judgements stand: the
 * page shows STALE when either says so (a dead socket or a hung page is still caught by the page).
 */
import { Cadence } from '../shared/cadence';

export interface StaleNotice {
  channel: number;
  stale: boolean;
  /** How old the channel's newest frame was (ms) when the notice was made. */
  ageMs: number;
  /** When the watch saw that newest frame, engine clock (CLOCK_MONOTONIC) ms. */
  lastFrameMs: number;
  /** Stale notices: the silence judged against (STALE_PERIODS × the observed period), ms. */
  thresholdMs?: number;
}

export interface StaleWatchTimers {
  /** Engine clock, ms (the clock of the frames' timing stamps). */
  now(): number;
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Run `cb` after the I/O already waiting has been handled (Node: setImmediate). */
  afterPendingIo(cb: () => void): void;
}

/** Node's timers on the engine clock (CLOCK_MONOTONIC through libuv's hrtime). */
export const nodeTimers: StaleWatchTimers = {
  now: () => Number(process.hrtime.bigint()) / 1e6,
  setTimeout: (cb, ms) => {
    const t = setTimeout(cb, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  afterPendingIo: (cb) => void setImmediate(cb),
};

interface Watched {
  cadence: Cadence;
  stale: boolean;
  lastSeq: number;
  /** While stale: the silence it was judged against, ms. */
  thresholdMs: number;
}

export class StaleWatch {
  private readonly chans = new Map<number, Watched>();
  private timer: unknown = null;
  private dueAt = Infinity;
  private closed = false;

  constructor(
    /** Nominal frames per second of a channel (its source's rate). */
    private readonly nominalFps: (channel: number) => number,
    private readonly notify: (n: StaleNotice) => void,
    private readonly timers: StaleWatchTimers = nodeTimers,
  ) {}

  /** `channel` published the display frame of input frame `seq` now. */
  frame(channel: number, seq: number): void {
    if (this.closed) return;
    const now = this.timers.now();
    let w = this.chans.get(channel);
    if (!w) {
      w = { cadence: new Cadence(), stale: false, lastSeq: -1, thresholdMs: 0 };
      this.chans.set(channel, w);
    }
    // The same frame again (display on demand: read and passed, then processed when a pull met no
    // newer frame) is not an arrival: during a stall it must not make the channel look live.
    if (seq === w.lastSeq) return;
    // Frame numbers restart with each source (a replay opened or closed): the old source's
    // cadence says nothing about the new one.
    if (seq < w.lastSeq) w.cadence.reset();
    w.lastSeq = seq;
    const wasStale = w.stale;
    const last = w.cadence.lastMs;
    w.cadence.note(now);
    if (wasStale) {
      w.stale = false;
      this.notify({ channel, stale: false, ageMs: last < 0 ? 0 : now - last, lastFrameMs: now });
    }
    const due = w.cadence.staleAtMs(this.nominalMs(channel));
    if (due < this.dueAt) this.arm(due, now);
  }

  /** The channels judged stale right now (for a client that connects while they are). */
  staleNow(): StaleNotice[] {
    const now = this.timers.now();
    const out: StaleNotice[] = [];
    for (const [channel, w] of this.chans) if (w.stale) out.push({ channel, stale: true, ageMs: now - w.cadence.lastMs, lastFrameMs: w.cadence.lastMs, thresholdMs: w.thresholdMs });
    return out;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.chans.clear();
  }

  private nominalMs(channel: number): number {
    const fps = this.nominalFps(channel);
    return 1000 / (fps > 0 ? fps : 30);
  }

  private arm(at: number, now: number): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.dueAt = at;
    // +1 ms: a timer may fire a hair early; firing before the deadline would just re-arm.
    this.timer = this.timers.setTimeout(this.check, Math.max(0, at - now) + 1);
  }

  /**
   * The deadline passed, but decide only after the I/O already waiting was handled: Node runs due
   * timers before it polls for I/O, so after the event loop was blocked for a while (GC, a burst of
   * work) the timer would otherwise judge channels whose frame notices sit unread in the queue,
   * and call a flowing channel stale.
   */
  private readonly check = (): void => {
    this.timer = null;
    if (this.closed) return;
    this.timers.afterPendingIo(this.decide);
  };

  private readonly decide = (): void => {
    this.dueAt = Infinity;
    if (this.closed) return;
    const now = this.timers.now();
    let next = Infinity;
    for (const [channel, w] of this.chans) {
      if (w.stale) continue;
      const due = w.cadence.staleAtMs(this.nominalMs(channel));
      if (due <= now) {
        w.stale = true;
        w.thresholdMs = due - w.cadence.lastMs;
        this.notify({ channel, stale: true, ageMs: now - w.cadence.lastMs, lastFrameMs: w.cadence.lastMs, thresholdMs: w.thresholdMs });
      } else if (due < next) next = due;
    }
    if (next < Infinity) this.arm(next, now);
  };
}
