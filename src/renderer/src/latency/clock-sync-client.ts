/**
 * Renderer side of the clock sync: asks the engine for its clock (`engine.clock` over the bridge),
 * feeds each exchange into a minimum-round-trip estimator and maps renderer time onto the engine
 * clock.
 *
 * Schedule: a burst of `burst` exchanges `burstGapMs` apart at start (a quiet moment gives the
 * tightest round trip), then one every `intervalMs`, so a better exchange, if one comes, is kept.
 *
 *   const sync = new ClockSyncClient({ ping: async () => (await bridge.call('engine.clock', {})).monotonicNs });
 *   sync.start();
 */
import { ClockSyncEstimator, type ClockSyncEstimate } from '../../../shared/latency';
import { rendererNowNs } from './renderer-clock';

/** What the probe needs from a clock sync (this client, or an adapter over another one). */
export interface SyncSource {
  /** The renderer clock this sync maps from, ns. */
  nowNs(): number;
  /** Current estimate, null before the first exchange. */
  estimate(): ClockSyncEstimate | null;
  /** The estimate's offset (engine − renderer, ns), NaN before the first exchange; allocation-free. */
  offsetNs(): number;
  /** Engine clock now, ns; null before the first exchange. */
  engineNowNs(): number | null;
}

export interface ClockSyncClientOptions {
  /** One exchange: resolves with the engine's CLOCK_MONOTONIC ns read while handling it. */
  ping: () => Promise<number>;
  /** Renderer clock, ns (tests inject a skewed one). */
  now?: () => number;
  burst?: number;
  burstGapMs?: number;
  intervalMs?: number;
  /** Called with the error of a failed exchange (default: ignored, the next one retries). */
  onError?: (e: unknown) => void;
}

export class ClockSyncClient implements SyncSource {
  private readonly est = new ClockSyncEstimator();
  private readonly now: () => number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;

  constructor(private readonly opts: ClockSyncClientOptions) {
    this.now = opts.now ?? rendererNowNs;
  }

  /** One ping exchange. */
  async exchange(): Promise<void> {
    const t0 = this.now();
    const tE = await this.opts.ping();
    const t1 = this.now();
    this.est.add(t0, tE, t1);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    let n = 0;
    const burst = this.opts.burst ?? 20;
    const tick = async () => {
      try {
        await this.exchange();
      } catch (e) {
        this.opts.onError?.(e);
      }
      n++;
      if (this.running) this.timer = setTimeout(tick, n < burst ? (this.opts.burstGapMs ?? 30) : (this.opts.intervalMs ?? 500));
    };
    void tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  estimate(): ClockSyncEstimate | null {
    return this.est.estimate();
  }

  nowNs(): number {
    return this.now();
  }

  offsetNs(): number {
    return this.est.offsetNs();
  }

  engineNowNs(): number | null {
    const e = this.est.estimate();
    return e ? this.now() + e.offsetNs : null;
  }

  toEngineNs(rendererNs: number): number {
    return this.est.toEngineNs(rendererNs);
  }
}

/**
 * Adapter for a page-clock sync that exposes `offsetMs` (engine ms − performance.now() ms, NaN
 * before the first sample) and `rttMs` — the shape of the display's `ClockSync`.
 */
export function syncFromOffsetMs(c: { offsetMs: number; rttMs: number }, pageNowMs: () => number = () => performance.now()): SyncSource {
  return {
    nowNs: () => pageNowMs() * 1e6,
    offsetNs: () => c.offsetMs * 1e6,
    estimate: () => (Number.isNaN(c.offsetMs) ? null : { offsetNs: c.offsetMs * 1e6, uncertaintyNs: (c.rttMs / 2) * 1e6, rttMinNs: c.rttMs * 1e6, samples: -1 }),
    engineNowNs: () => (Number.isNaN(c.offsetMs) ? null : (pageNowMs() + c.offsetMs) * 1e6),
  };
}
