/**
 * A fixed-size window of recent samples with percentiles, for cascade times and latencies.
 * `push` is O(1) and allocation-free (called per frame); `percentile` sorts a preallocated scratch
 * copy and is meant for the heartbeat (a few times a second), not per frame.
 */
export class RollingWindow {
  private readonly buf: Float64Array;
  private readonly scratch: Float64Array;
  private n = 0;
  private next = 0;
  private sorted = false;

  constructor(readonly capacity = 512) {
    this.buf = new Float64Array(capacity);
    this.scratch = new Float64Array(capacity);
  }

  push(x: number): void {
    this.buf[this.next] = x;
    this.next = (this.next + 1) % this.capacity;
    if (this.n < this.capacity) this.n++;
    this.sorted = false;
  }

  get count(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
    this.next = 0;
    this.sorted = false;
  }

  /** Nearest-rank percentile, `q` in [0, 1]; 0 when empty. */
  percentile(q: number): number {
    if (this.n === 0) return 0;
    if (!this.sorted) {
      this.scratch.set(this.buf.subarray(0, this.n));
      this.scratch.subarray(0, this.n).sort();
      this.sorted = true;
    }
    const rank = Math.min(this.n - 1, Math.max(0, Math.ceil(q * this.n) - 1));
    return this.scratch[rank];
  }

  max(): number {
    if (this.n === 0) return 0;
    return this.percentile(1);
  }
}
