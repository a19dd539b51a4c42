/**
 * A channel's frame cadence as one observer sees it, and the one staleness rule every observer
 * applies: a channel is stale when it got no new frame for `STALE_PERIODS` frame periods.
 *
 * Two observers use it: the engine host (web mode) watches the display frames the cascade
 * produces, the page watches the frames that reach it. Fixed-size typed arrays: noting a frame
 * allocates nothing.
 */

/** A channel is stale after this many frame periods without a new frame. */
export const STALE_PERIODS = 3;

/** Arrival times kept (for fps and the period estimate). */
const RING = 64;
/** Inter-arrival times the period estimate takes the median of. */
const PERIOD_WINDOW = 16;

export class Cadence {
  private readonly arrivals = new Float64Array(RING);
  private readonly scratch = new Float64Array(PERIOD_WINDOW);
  private n = 0;
  /** Time (ms, the observer's clock) of the newest frame; -1 before the first. */
  lastMs = -1;

  note(tMs: number): void {
    this.arrivals[this.n++ % RING] = tMs;
    this.lastMs = tMs;
  }

  /** Forget every frame (a new source: its cadence starts over). */
  reset(): void {
    this.n = 0;
    this.lastMs = -1;
  }

  /** Frames per second over the recent arrivals (0 when fewer than 2 or the last is older than 2 s). */
  fps(nowMs: number): number {
    const k = Math.min(this.n, RING);
    if (k < 2) return 0;
    const last = this.arrivals[(this.n - 1) % RING];
    if (nowMs - last > 2000) return 0;
    const first = this.arrivals[(this.n - k) % RING];
    return last > first ? ((k - 1) * 1000) / (last - first) : 0;
  }

  /**
   * The frame period this observer actually sees: the median of the last (up to 16) inter-arrival
   * times, never below the nominal period and never above 4× it (so a slowed channel is judged on
   * its own cadence, but a stall is still flagged within 12 nominal periods at worst). The nominal
   * period until 4 intervals were seen.
   */
  periodMs(nominalMs: number): number {
    const k = Math.min(this.n, RING, PERIOD_WINDOW + 1) - 1;
    if (k < 4) return nominalMs;
    const d = this.scratch;
    // Insertion sort of at most 16 values: no allocation (a subarray view would be one per call).
    for (let i = 0; i < k; i++) {
      const v = this.arrivals[(this.n - 1 - i) % RING] - this.arrivals[(this.n - 2 - i) % RING];
      let j = i;
      for (; j > 0 && d[j - 1] > v; j--) d[j] = d[j - 1];
      d[j] = v;
    }
    return Math.min(4 * nominalMs, Math.max(nominalMs, d[k >> 1]));
  }

  /** When (ms) this channel becomes stale without another frame; Infinity before the first frame. */
  staleAtMs(nominalMs: number): number {
    return this.lastMs < 0 ? Infinity : this.lastMs + STALE_PERIODS * this.periodMs(nominalMs);
  }
}
