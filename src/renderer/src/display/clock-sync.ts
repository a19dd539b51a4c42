/**
 * Maps the page clock (performance.now, ms) onto the engine clock (CLOCK_MONOTONIC) with a ping
 * exchange that keeps the sample of minimum round trip (its midpoint error is at most RTT/2).
 */
export class ClockSync {
  /** engineMs - pageMs; NaN until the first sample. */
  offsetMs = NaN;
  /** Round trip of the sample used, ms (the offset's uncertainty is ±rtt/2). */
  rttMs = Infinity;

  /** Feed one exchange: page time before/after and the engine's answer (ns). */
  sample(t0Ms: number, engineNs: number, t1Ms: number): void {
    const rtt = t1Ms - t0Ms;
    // Prefer the tightest round trip; let old samples age out slowly so drift is followed.
    if (rtt <= this.rttMs) {
      this.rttMs = rtt;
      this.offsetMs = engineNs / 1e6 - (t0Ms + t1Ms) / 2;
    } else {
      this.rttMs *= 1.05;
    }
  }

  toEngineMs(pageMs: number): number {
    return pageMs + this.offsetMs;
  }

  async run(ping: () => Promise<number>, rounds = 8): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const ns = await ping();
      this.sample(t0, ns, performance.now());
    }
  }
}
