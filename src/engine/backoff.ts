/**
 * Restart delays for crashed channel processes: the first restart is immediate (a one-off crash
 * should cost the surgeon as little picture as possible), repeated crashes back off exponentially up
 * to `maxMs`, and a process that stayed up for `resetAfterMs` is forgiven its history.
 */
export interface BackoffOptions {
  /** Delay of the second consecutive restart, ms (the first is immediate). */
  baseMs: number;
  maxMs: number;
  /** Uptime after which the failure count resets, ms. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 5000, resetAfterMs: 10_000 };

export class Backoff {
  private failures = 0;
  constructor(private readonly opts: BackoffOptions = DEFAULT_BACKOFF) {}

  /** Record a failure of a process that lived `uptimeMs`; returns the delay before the next start. */
  next(uptimeMs: number): number {
    if (uptimeMs >= this.opts.resetAfterMs) this.failures = 0;
    this.failures++;
    if (this.failures === 1) return 0;
    return Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** (this.failures - 2));
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
  }
}
