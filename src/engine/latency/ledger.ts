/**
 * Latency ledger: per channel and per segment histograms, drop counts per hop, frame accounting and
 * latency-over-time series, fed by the renderer's ack rows (all stamps on the engine clock).
 *
 * Bounded memory: per channel, SEGMENT_COUNT fixed histograms (≈ 13 KiB each) and one fixed series;
 * per run, SEGMENT_COUNT series for the merged view. Nothing grows with the number of frames.
 * Recording a row allocates nothing.
 */
import { Hop } from '../../shared/display-frame';
import {
  ACK_STRIDE,
  AckField,
  AckState,
  E2E_SEGMENT,
  SEGMENTS,
  SEGMENT_COUNT,
  type ChannelLatency,
  type ClockSyncEstimate,
  type DropCounts,
  type LatencySnapshot,
  type SegmentStats,
} from '../../shared/latency';
import { LatencyHistogram } from './histogram';
import { LatencySeries } from './series';

/** Channel ids are u32 in the header, but a ledger refuses absurd ones instead of growing without bound. */
const MAX_CHANNEL_ID = 65535;
const MAX_CHANNELS = 1024;

function zeroDrops(): DropCounts {
  return { sourceGap: 0, workerSkip: 0, relayDrop: 0, rendererDrop: 0, ackOverflow: 0, afterWorker: 0 };
}

class ChannelLedger {
  readonly hist: LatencyHistogram[] = Array.from({ length: SEGMENT_COUNT }, () => new LatencyHistogram());
  readonly e2eSeries: LatencySeries;
  readonly drops = zeroDrops();
  presented = 0;
  rows = 0;
  minSeq = Infinity;
  maxSeq = -Infinity;
  /** Drops carried by the row holding minSeq: they describe frames before the span, so not in it. */
  minSeqSkipGap = 0;
  skipGapSum = 0;
  /** Worker cumulative counters (WorkerSlot) of the rows holding minSeq / maxSeq. */
  readonly minCum = new Float64Array(3);
  readonly maxCum = new Float64Array(3);
  /** Rows without the worker's cumulative counters (then the accounting falls back to deltas). */
  rowsWithoutCounters = 0;
  firstPresentedNs = Infinity;
  lastPresentedNs = -Infinity;

  constructor(
    readonly channel: number,
    seriesCapacity: number,
  ) {
    this.e2eSeries = new LatencySeries(seriesCapacity);
  }
}

export interface LedgerOptions {
  /** Rows whose acquisition stamp is before this engine time (ns) are ignored (warm-up: JIT, shaders). */
  warmupEndNs?: number;
  /** Points per latency-over-time series (bounded). */
  seriesCapacity?: number;
}

export class LatencyLedger {
  private readonly channels = new Map<number, ChannelLedger>();
  private readonly overallSeries: LatencySeries[];
  private readonly seriesCapacity: number;
  private warmupEndNs: number;
  /** Rows acquired after this engine time are ignored (end of a measured window). */
  private windowEndNs = Infinity;
  /** Origin of the series time axis: end of warm-up. */
  private originNs: number;
  ackOverflow = 0;
  /** Rows rejected as malformed (bad channel id, non-finite stamps); counted, never silently kept. */
  rejectedRows = 0;
  sync: ClockSyncEstimate | null = null;
  syncWorstUncertaintyNs = 0;

  constructor(opts: LedgerOptions = {}) {
    this.seriesCapacity = opts.seriesCapacity ?? 512;
    this.warmupEndNs = opts.warmupEndNs ?? 0;
    this.originNs = this.warmupEndNs;
    this.overallSeries = Array.from({ length: SEGMENT_COUNT }, () => new LatencySeries(this.seriesCapacity));
  }

  /** Restart measuring from `warmupEndNs` (drops every statistic). */
  reset(warmupEndNs = 0): void {
    this.channels.clear();
    this.warmupEndNs = warmupEndNs;
    this.windowEndNs = Infinity;
    this.originNs = warmupEndNs;
    for (let i = 0; i < SEGMENT_COUNT; i++) this.overallSeries[i] = new LatencySeries(this.seriesCapacity);
    this.ackOverflow = 0;
    this.rejectedRows = 0;
    this.syncWorstUncertaintyNs = 0;
  }

  /** The clock-sync estimate an ack's rows were mapped with. */
  noteSync(s: ClockSyncEstimate): void {
    this.sync = s;
    if (s.uncertaintyNs > this.syncWorstUncertaintyNs) this.syncWorstUncertaintyNs = s.uncertaintyNs;
  }

  private channelOf(ch: number): ChannelLedger {
    let c = this.channels.get(ch);
    if (!c) {
      if (this.channels.size >= MAX_CHANNELS) throw new RangeError(`latency ledger: more than ${MAX_CHANNELS} channels`);
      c = new ChannelLedger(ch, this.seriesCapacity);
      this.channels.set(ch, c);
    }
    return c;
  }

  /** Record every row of an ack (flat array, `ACK_STRIDE` numbers per row). */
  recordRows(rows: ArrayLike<number>): void {
    if (rows.length % ACK_STRIDE !== 0) throw new RangeError(`latency ack: ${rows.length} numbers is not a multiple of the row stride ${ACK_STRIDE}`);
    for (let o = 0; o < rows.length; o += ACK_STRIDE) this.recordRow(rows, o);
  }

  /** Record one row starting at `o`. */
  recordRow(r: ArrayLike<number>, o: number): void {
    const ch = r[o + AckField.channel];
    const seq = r[o + AckField.seq];
    const acquired = r[o + AckField.stamps + Hop.Acquired];
    if (!Number.isInteger(ch) || ch < 0 || ch > MAX_CHANNEL_ID || !Number.isInteger(seq) || seq < 1 || !(acquired > 0)) {
      this.rejectedRows++;
      return;
    }
    if (acquired < this.warmupEndNs || acquired > this.windowEndNs) return;
    const c = this.channelOf(ch);
    const relay = r[o + AckField.relayDropped];
    const rend = r[o + AckField.rendererDropped];
    const skipGap = r[o + AckField.skipped] + r[o + AckField.gap] + relay + rend;
    c.rows++;
    c.drops.workerSkip += r[o + AckField.skipped];
    c.drops.sourceGap += r[o + AckField.gap];
    c.drops.relayDrop += relay;
    c.drops.rendererDrop += rend;
    c.skipGapSum += skipGap;
    if (!(r[o + AckField.emittedTotal] > 0)) c.rowsWithoutCounters++;
    if (seq < c.minSeq) {
      c.minSeq = seq;
      c.minSeqSkipGap = skipGap;
      for (let k = 0; k < 3; k++) c.minCum[k] = r[o + AckField.emittedTotal + k];
    }
    if (seq > c.maxSeq) {
      c.maxSeq = seq;
      for (let k = 0; k < 3; k++) c.maxCum[k] = r[o + AckField.emittedTotal + k];
    }
    const state = r[o + AckField.state];
    if (state === AckState.RendererDropped) {
      c.drops.rendererDrop++;
    } else if (state === AckState.Presented) {
      c.presented++;
      const tp = r[o + AckField.stamps + Hop.Presented];
      if (tp > 0) {
        if (tp < c.firstPresentedNs) c.firstPresentedNs = tp;
        if (tp > c.lastPresentedNs) c.lastPresentedNs = tp;
      }
    } else {
      this.rejectedRows++;
      return;
    }
    if (this.originNs === 0) this.originNs = acquired; // no warm-up given: the first frame starts the clock
    const tRel = acquired - this.originNs;
    for (let s = 0; s < SEGMENT_COUNT; s++) {
      const a = r[o + AckField.stamps + SEGMENTS[s].from];
      const b = r[o + AckField.stamps + SEGMENTS[s].to];
      if (!(a > 0 && b > 0)) continue; // hop not stamped (e.g. a dropped frame was never presented)
      const d = b - a;
      c.hist[s].record(d);
      this.overallSeries[s].record(tRel, d);
      if (s === E2E_SEGMENT) c.e2eSeries.record(tRel, d);
    }
  }

  /** Close the measured window: frames acquired after `ns` (engine clock) no longer count. */
  endWindow(ns: number): void {
    this.windowEndNs = ns;
  }

  noteAckOverflow(n: number): void {
    this.ackOverflow += n;
  }

  private stats(h: LatencyHistogram): SegmentStats {
    const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
    return {
      count: h.count,
      minMs: ms(h.minNs),
      meanMs: ms(h.meanNs()),
      p50Ms: ms(h.quantileNs(0.5)),
      p95Ms: ms(h.quantileNs(0.95)),
      p99Ms: ms(h.quantileNs(0.99)),
      maxMs: ms(h.maxNs),
      negative: h.negative,
    };
  }

  private channelLatency(c: ChannelLedger, hist: LatencyHistogram[]): ChannelLatency {
    const span = c.rows ? c.maxSeq - c.minSeq + 1 : 0;
    // Exact only with counters on every row that grow with the sequence (a restarted worker starts
    // them again from 0: then only the deltas are usable).
    const exact = c.rows > 0 && c.rowsWithoutCounters === 0 && c.maxCum[0] >= c.minCum[0] && c.maxCum[1] >= c.minCum[1] && c.maxCum[2] >= c.minCum[2] && c.maxCum[0] - c.minCum[0] <= c.maxSeq - c.minSeq;
    const drops = { ...c.drops, ackOverflow: 0 };
    let accounted = 0;
    if (exact) {
      // Worker identity: every sequence number of the span is a skip, a source gap or an emitted
      // display frame; emitted frames that were never acked were dropped after the worker.
      const emitted = c.maxCum[0] - c.minCum[0] + 1;
      accounted = emitted + (c.maxCum[1] - c.minCum[1]) + (c.maxCum[2] - c.minCum[2]);
      drops.afterWorker = emitted - c.rows;
      drops.workerSkip = c.maxCum[1] - c.minCum[1];
      drops.sourceGap = c.maxCum[2] - c.minCum[2];
    } else if (c.rows) {
      // Deltas only: every acked row, plus the frames each row says were skipped, lost or dropped
      // before it (worker skips, source gaps, carried relay/renderer drops), except the first
      // row's, which lie before the span.
      accounted = c.rows + c.skipGapSum - c.minSeqSkipGap;
    }
    const windowS = (c.lastPresentedNs - c.firstPresentedNs) / 1e9;
    return {
      channel: c.channel,
      presented: c.presented,
      fps: c.presented > 1 && windowS > 0 ? (c.presented - 1) / windowS : 0,
      segments: hist.map((h) => this.stats(h)),
      drops,
      accounting: { firstSeq: c.rows ? c.minSeq : 0, lastSeq: c.rows ? c.maxSeq : 0, span, accounted, unaccounted: span - accounted, exact },
    };
  }

  /** Histograms of all channels merged, per segment. */
  mergedHistograms(): LatencyHistogram[] {
    const merged = Array.from({ length: SEGMENT_COUNT }, () => new LatencyHistogram());
    for (const c of this.channels.values()) for (let s = 0; s < SEGMENT_COUNT; s++) merged[s].merge(c.hist[s]);
    return merged;
  }

  snapshot(nowNs: number): LatencySnapshot {
    const chans = [...this.channels.values()].sort((a, b) => a.channel - b.channel);
    const channels = chans.map((c) => this.channelLatency(c, c.hist));
    const merged = this.mergedHistograms();
    const overall: ChannelLatency = {
      channel: -1,
      presented: 0,
      fps: 0,
      segments: merged.map((h) => this.stats(h)),
      drops: zeroDrops(),
      accounting: { firstSeq: 0, lastSeq: 0, span: 0, accounted: 0, unaccounted: 0, exact: channels.length > 0 && channels.every((c) => c.accounting.exact) },
    };
    for (const c of channels) {
      overall.presented += c.presented;
      overall.fps += c.fps;
      for (const k of Object.keys(c.drops) as (keyof DropCounts)[]) overall.drops[k] += c.drops[k];
      overall.accounting.span += c.accounting.span;
      overall.accounting.accounted += c.accounting.accounted;
      overall.accounting.unaccounted += c.accounting.unaccounted;
    }
    overall.drops.ackOverflow = this.ackOverflow;
    return { tNs: nowNs, syncWorstUncertaintyNs: this.syncWorstUncertaintyNs, elapsedS: this.originNs > 0 ? Math.max(0, (nowNs - this.originNs) / 1e9) : 0, sync: this.sync, overall, channels };
  }

  /** Series of the merged view per segment, and end-to-end per channel (channel order). */
  series(): { overall: ReturnType<LatencySeries['toData']>[]; channels: ReturnType<LatencySeries['toData']>[] } {
    const chans = [...this.channels.values()].sort((a, b) => a.channel - b.channel);
    return { overall: this.overallSeries.map((s) => s.toData()), channels: chans.map((c) => c.e2eSeries.toData()) };
  }
}
