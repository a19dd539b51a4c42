/**
 * Latency over time with bounded memory: at most `capacity` points, each the count / mean / max of
 * the values whose time fell in its step. When a value arrives beyond the last point, pairs of
 * points are merged and the step doubles, so a run of any length keeps the whole run at a coarser
 * resolution (a 10 h run at capacity 512 still has one point per ~70 s). Allocation-free after
 * construction.
 */
import type { SeriesData } from '../../shared/latency';

export class LatencySeries {
  private readonly count: Float64Array;
  private readonly sum: Float64Array;
  private readonly max: Float64Array;
  private stepNs: number;
  private used = 0;

  constructor(
    readonly capacity = 512,
    initialStepMs = 100,
  ) {
    if (!Number.isInteger(capacity) || capacity < 2 || capacity % 2 !== 0) throw new RangeError(`series: capacity must be an even integer ≥ 2, got ${capacity}`);
    if (!(initialStepMs > 0)) throw new RangeError(`series: step must be > 0 ms, got ${initialStepMs}`);
    this.count = new Float64Array(capacity);
    this.sum = new Float64Array(capacity);
    this.max = new Float64Array(capacity).fill(-Infinity);
    this.stepNs = initialStepMs * 1e6;
  }

  /** Record a value (ns) at time `tNs` since the series origin (ns, ≥ 0). */
  record(tNs: number, valueNs: number): void {
    if (tNs < 0) tNs = 0;
    let i = Math.floor(tNs / this.stepNs);
    while (i >= this.capacity) {
      this.compact();
      i = Math.floor(tNs / this.stepNs);
    }
    this.count[i]++;
    this.sum[i] += valueNs;
    if (valueNs > this.max[i]) this.max[i] = valueNs;
    if (i + 1 > this.used) this.used = i + 1;
  }

  /** Merge neighbouring points pairwise and double the step. */
  private compact(): void {
    const half = this.capacity / 2;
    for (let j = 0; j < half; j++) {
      const a = 2 * j;
      const b = a + 1;
      this.count[j] = this.count[a] + this.count[b];
      this.sum[j] = this.sum[a] + this.sum[b];
      this.max[j] = Math.max(this.max[a], this.max[b]);
    }
    this.count.fill(0, half);
    this.sum.fill(0, half);
    this.max.fill(-Infinity, half);
    this.used = Math.ceil(this.used / 2);
    this.stepNs *= 2;
  }

  get stepMs(): number {
    return this.stepNs / 1e6;
  }

  /** Points with data, as the report's flattened [tS, count, meanMs, maxMs] quadruples. */
  toData(): SeriesData {
    const points: number[] = [];
    for (let i = 0; i < this.used; i++) {
      const n = this.count[i];
      if (n > 0) points.push((i * this.stepNs) / 1e9, n, this.sum[i] / n / 1e6, this.max[i] / 1e6);
    }
    return { stepS: this.stepNs / 1e9, points };
  }
}
