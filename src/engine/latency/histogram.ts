/**
 * Fixed-size log-linear latency histogram (HDR-histogram style), values in nanoseconds.
 *
 * Resolution: values below 2^SUB_BITS µs (64 µs) fall in 1 µs buckets; above, every power of two is
 * split into 2^SUB_BITS equal buckets, so a bucket is at most 1/64 (1.6 %) of its lower bound wide.
 * A percentile is reported as its bucket's midpoint (clamped to the exact min/max), so it is within
 * max(0.5 µs, 0.8 %) of the value a sort would give, plus the rank rounding of the percentile itself.
 * Range 0 .. 2^32 µs (71 min); larger values land in the top bucket and still count in max.
 *
 * Memory is fixed at construction (≈ 13 KiB); `record` allocates nothing, so a histogram per channel
 * and per segment stays bounded over runs of any length.
 */
export const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // linear sub-buckets per octave
const MAX_OCTAVE = 32; // values up to 2^32 µs
/** Number of buckets: the linear range [0, SUB) µs then (MAX_OCTAVE − SUB_BITS) octaves of SUB buckets. */
export const BUCKETS = SUB + (MAX_OCTAVE - SUB_BITS) * SUB;

/** Bucket index of a value in µs (≥ 0). */
export function bucketOf(us: number): number {
  if (us < SUB) return us < 0 ? 0 : Math.floor(us);
  if (us >= 2 ** MAX_OCTAVE) return BUCKETS - 1;
  const u = Math.floor(us);
  const k = 31 - Math.clz32(u); // octave: 2^k ≤ u < 2^(k+1), k ≥ SUB_BITS
  const sub = (u >>> (k - SUB_BITS)) - SUB; // 0..SUB-1
  return SUB + (k - SUB_BITS) * SUB + sub;
}

/** Lower bound (inclusive) of bucket `i`, µs. */
export function bucketLowUs(i: number): number {
  if (i < SUB) return i;
  const k = Math.floor((i - SUB) / SUB) + SUB_BITS;
  const sub = (i - SUB) % SUB;
  return (SUB + sub) * 2 ** (k - SUB_BITS);
}

/** Upper bound (exclusive) of bucket `i`, µs. */
export function bucketHighUs(i: number): number {
  if (i < SUB) return i + 1;
  const k = Math.floor((i - SUB) / SUB) + SUB_BITS;
  return bucketLowUs(i) + 2 ** (k - SUB_BITS);
}

export class LatencyHistogram {
  readonly counts = new Float64Array(BUCKETS);
  count = 0;
  /** Exact extremes and sum, ns. */
  minNs = Infinity;
  maxNs = -Infinity;
  sumNs = 0;
  /** Values < 0 (recorded in bucket 0; min keeps the exact value). */
  negative = 0;

  record(ns: number): void {
    if (!Number.isFinite(ns)) throw new RangeError(`histogram: value must be finite, got ${ns}`);
    this.counts[bucketOf(ns / 1000)]++;
    this.count++;
    this.sumNs += ns;
    if (ns < this.minNs) this.minNs = ns;
    if (ns > this.maxNs) this.maxNs = ns;
    if (ns < 0) this.negative++;
  }

  /** Add every value of `other` into this one (used to build the all-channels view). */
  merge(other: LatencyHistogram): void {
    const a = this.counts;
    const b = other.counts;
    for (let i = 0; i < BUCKETS; i++) a[i] += b[i];
    this.count += other.count;
    this.sumNs += other.sumNs;
    this.negative += other.negative;
    if (other.minNs < this.minNs) this.minNs = other.minNs;
    if (other.maxNs > this.maxNs) this.maxNs = other.maxNs;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.minNs = Infinity;
    this.maxNs = -Infinity;
    this.sumNs = 0;
    this.negative = 0;
  }

  /**
   * Value at quantile q ∈ [0, 1], ns: the midpoint of the bucket holding the value of rank
   * ceil(q·count) (nearest-rank definition), clamped to [min, max]. NaN when empty.
   */
  quantileNs(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`histogram: quantile must be in [0, 1], got ${q}`);
    if (this.count === 0) return NaN;
    if (q === 0) return this.minNs;
    if (q === 1) return this.maxNs;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let cum = 0;
    for (let i = 0; i < BUCKETS; i++) {
      cum += this.counts[i];
      if (cum >= rank) {
        const mid = ((bucketLowUs(i) + bucketHighUs(i)) / 2) * 1000;
        return Math.min(this.maxNs, Math.max(this.minNs, mid));
      }
    }
    return this.maxNs;
  }

  meanNs(): number {
    return this.count ? this.sumNs / this.count : NaN;
  }

  /** Non-empty buckets as flattened [lowMs, highMs, count] triples (for plots and the report). */
  buckets(): number[] {
    const out: number[] = [];
    for (let i = 0; i < BUCKETS; i++) {
      if (this.counts[i] > 0) out.push(bucketLowUs(i) / 1000, bucketHighUs(i) / 1000, this.counts[i]);
    }
    return out;
  }
}
