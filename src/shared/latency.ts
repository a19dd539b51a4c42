/**
 * Latency contract: what the renderer sends back about the frames it showed, the clock sync between
 * the renderer's clock and the engine's, the statistics the engine's latency ledger publishes, and
 * the report written by `specula latency`.
 *
 * Clocks. Every stamp the engine sees is CLOCK_MONOTONIC ns of the engine host ("engine clock").
 * The renderer stamps its hops (received, uploaded, presented) with `rendererNowNs()` of its own
 * timeline and maps them to the engine clock with a `ClockSyncEstimate` before acking them, so the
 * ledger only ever handles engine-clock values.
 *
 * Plain JSON everywhere except the ack rows, a flat number array with a fixed stride (one ack
 * message per ~250 ms carries every frame the renderer showed in that window).
 */
import { DH, DISPLAY_HEADER_OFFSET, HOP_NAMES, Hop, TIMING_OFFSET, type HopName } from './display-frame';

// ---------------------------------------------------------------------------------------------
// Segments: what the ledger measures between hops.

/** A measured interval between two hops of the latency model. */
export interface SegmentDef {
  /** Stable key used in reports, e.g. `pickedUp→cascadeDone` or `acquired→presented`. */
  name: string;
  from: Hop;
  to: Hop;
}

/** The consecutive hop-to-hop segments, then the end-to-end one (always last). */
export const SEGMENTS: readonly SegmentDef[] = [
  ...HOP_NAMES.slice(0, -1).map((n, i) => ({ name: `${n}→${HOP_NAMES[i + 1]}`, from: i as Hop, to: (i + 1) as Hop })),
  { name: 'acquired→presented', from: Hop.Acquired, to: Hop.Presented },
];
export const SEGMENT_COUNT = SEGMENTS.length; // 8
/** Index of the end-to-end segment in `SEGMENTS`. */
export const E2E_SEGMENT = SEGMENT_COUNT - 1;
export const SEGMENT_NAMES = SEGMENTS.map((s) => s.name);

// ---------------------------------------------------------------------------------------------
// Renderer → engine messages.

/**
 * Reserved timing-block slots (after the 8 hop stamps) that carry drop counts downstream of the
 * worker, so the frame accounting stays exact without any side channel: a hop that drops a display
 * frame in favour of a newer one of the same channel calls `carryDropped(older, newer, kind)`, which
 * folds everything the dropped frame stood for into the newer one.
 */
export const DropSlot = {
  /** Source frames covered by display frames the engine relay / socket dropped (latest-wins). */
  relay: 8,
  /** Source frames covered by display frames the renderer (frame worker, frame store) dropped. */
  renderer: 9,
} as const;

/**
 * Reserved timing-block slots the channel worker fills when it builds a display frame: cumulative
 * counters since the worker started (0 = not provided). With them the ledger's accounting is exact
 * whatever happens downstream: between two acked frames of a channel, every sequence number is a
 * worker skip, a source gap, or a display frame the worker emitted — and an emitted frame that was
 * never acked was dropped after the worker (relay, socket or renderer), which the ledger counts.
 */
export const WorkerSlot = {
  /** Display frames emitted so far, this one included (1 for the first). */
  emitted: 10,
  /** Frames skipped latest-wins so far (sum of DH.skipped). */
  skippedTotal: 11,
  /** Sequence numbers lost before the worker so far (sum of DH.gap). */
  gapTotal: 12,
} as const;

/**
 * Reserved timing-block slots the renderer's latency probe uses for its own received / uploaded
 * stamps on the renderer clock (mapped onto the engine clock when acked). Producers leave them 0.
 */
export const RendererSlot = {
  rawReceived: 13,
  rawUploaded: 14,
} as const;

/**
 * `older` was dropped in favour of `newer` (same channel) by a hop of `kind`. Adds to `newer` the
 * source frames `older` covered: its worker skips and source gaps (display header), its carried
 * relay/renderer drops, plus `older` itself under `kind`. Allocation-free; both buffers hold the
 * display-frame layout. Call it before `newer` is passed on.
 */
export function carryDropped(older: Uint8Array, newer: Uint8Array, kind: keyof typeof DropSlot): void {
  if (older.byteLength < DISPLAY_HEADER_OFFSET + 32 || newer.byteLength < DISPLAY_HEADER_OFFSET + 32) throw new RangeError('carryDropped: buffers must hold display frames');
  addU32(older, newer, DISPLAY_HEADER_OFFSET + DH.skipped);
  addU32(older, newer, DISPLAY_HEADER_OFFSET + DH.gap);
  addF64(older, newer, TIMING_OFFSET + DropSlot.relay * 8, kind === 'relay' ? 1 : 0);
  addF64(older, newer, TIMING_OFFSET + DropSlot.renderer * 8, kind === 'renderer' ? 1 : 0);
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 16777216;
}
function addU32(from: Uint8Array, to: Uint8Array, o: number): void {
  const v = Math.min(0xffffffff, u32(to, o) + u32(from, o));
  to[o] = v & 0xff;
  to[o + 1] = (v >>> 8) & 0xff;
  to[o + 2] = (v >>> 16) & 0xff;
  to[o + 3] = (v >>> 24) & 0xff;
}
// Scratch for little-endian f64 byte access without allocating (timing slots may be unaligned).
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function getF64(b: Uint8Array, o: number): number {
  for (let i = 0; i < 8; i++) f64b[LE ? i : 7 - i] = b[o + i];
  return f64[0];
}
function addF64(from: Uint8Array, to: Uint8Array, o: number, extra: number): void {
  f64[0] = getF64(to, o) + getF64(from, o) + extra;
  for (let i = 0; i < 8; i++) to[o + i] = f64b[LE ? i : 7 - i];
}

/** Fields of one ack row (a frame the renderer received), each a number; `ACK_STRIDE` per row. */
export const AckField = {
  channel: 0,
  seq: 1,
  /** FrameFlag bits of the frame header. */
  flags: 2,
  /** DH.skipped of the display header: frames the worker skipped (latest-wins) before this one. */
  skipped: 3,
  /** DH.gap of the display header: sequence numbers lost before the worker (source gap / overrun). */
  gap: 4,
  /** `AckState`: presented, or dropped by the renderer (superseded before it was drawn). */
  state: 5,
  /** Timing slot DropSlot.relay: source frames of display frames dropped by the relay before this one. */
  relayDropped: 6,
  /** Timing slot DropSlot.renderer: source frames of display frames dropped in the renderer before this one. */
  rendererDropped: 7,
  /** Timing slots WorkerSlot.emitted / skippedTotal / gapTotal (cumulative; 0 = not provided). */
  emittedTotal: 8,
  skippedTotal: 9,
  gapTotal: 10,
  /** First of the 8 hop stamps (index `AckField.stamps + Hop.x`), engine clock ns, 0 = unset. */
  stamps: 11,
} as const;
export const ACK_STRIDE = AckField.stamps + HOP_NAMES.length; // 19

export enum AckState {
  Presented = 1,
  /** Received but replaced by a newer frame of the channel before it was uploaded/drawn. */
  RendererDropped = 2,
}

/** Renderer → engine, a few times a second: the frames received since the previous ack. */
export interface LatencyAckMessage {
  type: 'latency-ack';
  /** Rows of `ACK_STRIDE` numbers (see `AckField`); all stamps already on the engine clock. */
  rows: number[];
  /** The renderer's current clock-sync estimate (null until the first pong). */
  sync: ClockSyncEstimate | null;
  /** Rows the renderer had to discard because its ack buffer was full (counted, never silent). */
  overflow: number;
}

/** Renderer → engine: clock-sync probe. */
export interface ClockPingMessage {
  type: 'clock-ping';
  id: number;
  /** Renderer clock when sent, ns. */
  tRendererNs: number;
}

/** Engine → renderer: reply to a ping, sent as soon as it is read. */
export interface ClockPongMessage {
  type: 'clock-pong';
  id: number;
  tRendererNs: number;
  /** Engine clock when the ping was handled, ns. */
  tEngineNs: number;
}

/** Engine → renderer, ~2 Hz: what the latency panel shows. */
export interface LatencySnapshotMessage {
  type: 'latency-snapshot';
  snapshot: LatencySnapshot;
}

export type LatencyControlMessage = LatencyAckMessage | ClockPingMessage | ClockPongMessage | LatencySnapshotMessage;

/** True for any message of this contract (lets a bridge route them without knowing each one). */
export function isLatencyMessage(m: unknown): m is LatencyControlMessage {
  const t = (m as { type?: unknown } | null)?.type;
  return t === 'latency-ack' || t === 'clock-ping' || t === 'clock-pong' || t === 'latency-snapshot';
}

// ---------------------------------------------------------------------------------------------
// Clock sync (pure logic, used by the renderer client and by the tests).

/** Mapping renderer clock → engine clock: `engineNs = rendererNs + offsetNs`, ± `uncertaintyNs`. */
export interface ClockSyncEstimate {
  offsetNs: number;
  /** Half the minimum round trip: the true offset lies within offsetNs ± uncertaintyNs. */
  uncertaintyNs: number;
  rttMinNs: number;
  /** Ping/pong exchanges seen. */
  samples: number;
}

/**
 * Minimum-round-trip clock offset estimator (Cristian / NTP style). For one exchange the renderer
 * sends at t0, the engine reads its clock at tE, the renderer gets the reply at t1: whatever the
 * split of the delay between the two directions, the true offset lies in
 * [tE − t1, tE − t0], so the midpoint is off by at most rtt/2. Keeping the exchange with the smallest
 * round trip keeps the tightest bound; queuing delays only ever widen it.
 */
export class ClockSyncEstimator {
  private best: ClockSyncEstimate | null = null;
  private n = 0;

  /** Feed one exchange. Exchanges with t1 < t0 (corrupt) are rejected with an error. */
  add(t0RendererNs: number, tEngineNs: number, t1RendererNs: number): void {
    const rtt = t1RendererNs - t0RendererNs;
    if (!(rtt >= 0) || !Number.isFinite(tEngineNs)) throw new RangeError(`clock sync: bad exchange t0=${t0RendererNs} tE=${tEngineNs} t1=${t1RendererNs}`);
    this.n++;
    if (!this.best || rtt < this.best.rttMinNs) {
      // Midpoint computed from differences first so huge epoch-based renderer times keep precision.
      const offsetNs = tEngineNs - t0RendererNs - rtt / 2;
      this.best = { offsetNs, uncertaintyNs: rtt / 2, rttMinNs: rtt, samples: this.n };
    }
    this.best.samples = this.n;
  }

  estimate(): ClockSyncEstimate | null {
    return this.best ? { ...this.best } : null;
  }

  /** The offset alone (NaN before the first exchange); allocation-free, for per-frame use. */
  offsetNs(): number {
    return this.best ? this.best.offsetNs : NaN;
  }

  /** Renderer ns → engine ns; throws before the first exchange (a stamp must never be guessed). */
  toEngineNs(rendererNs: number): number {
    if (!this.best) throw new Error('clock sync: no ping exchange completed yet');
    return rendererNs + this.best.offsetNs;
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics published by the ledger.

/** Frames lost or discarded at each hop, counted (never silent). */
export interface DropCounts {
  /** Sequence numbers the worker never saw (producer gap flag or ring overrun): DH.gap. */
  sourceGap: number;
  /** Frames the worker skipped because it was busy (latest-wins): DH.skipped. */
  workerSkip: number;
  /** Display frames the relay (server / socket) dropped latest-wins, in source frames they covered. */
  relayDrop: number;
  /** Display frames the renderer (frame worker, frame store) replaced before drawing, in source frames. */
  rendererDrop: number;
  /** Rows the renderer could not ack (ack buffer overflow). */
  ackOverflow: number;
  /**
   * Display frames the worker emitted that were never acked and that no hop carried (relay ring
   * overwrite, socket or renderer drop): known exactly from the worker's cumulative counters.
   */
  afterWorker: number;
}
export const DROP_KINDS = ['sourceGap', 'workerSkip', 'relayDrop', 'rendererDrop', 'ackOverflow', 'afterWorker'] as const;
export type DropKind = (typeof DROP_KINDS)[number];

/** Distribution of one segment, milliseconds. Percentiles come from a log-linear histogram. */
export interface SegmentStats {
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Values below 0 (possible across the clock-sync boundary, within its uncertainty). */
  negative: number;
}

/** Non-empty histogram buckets for plots: [lowerMs, upperMs, count] triples, flattened. */
export interface HistogramBuckets {
  buckets: number[];
}

/** Downsampled time series of one segment: fixed number of points whatever the run length. */
export interface SeriesData {
  /** Width of one point, seconds (doubles when the series is compacted). */
  stepS: number;
  /** Per point: [tS (start, since run start), count, meanMs, maxMs], flattened. */
  points: number[];
}

export interface ChannelLatency {
  channel: number;
  /** Frames presented (acked with AckState.Presented) after warm-up. */
  presented: number;
  /** Presented frames per second over the measured window. */
  fps: number;
  /** One entry per `SEGMENTS` element, same order. */
  segments: SegmentStats[];
  drops: DropCounts;
  /**
   * Frame accounting over the sequence span the renderer acked: every sequence number between the
   * first and last acked frame must be presented or counted as a drop somewhere. `unaccounted` > 0
   * means frames were lost without being counted (a defect, fails the run). `exact` is true when the
   * worker's cumulative counters (WorkerSlot) were present, false when only per-frame deltas and
   * carried drops were available.
   */
  accounting: { firstSeq: number; lastSeq: number; span: number; accounted: number; unaccounted: number; exact: boolean };
}

/** What the live panel shows (~2 Hz). */
export interface LatencySnapshot {
  /** Engine clock of the snapshot, ns. */
  tNs: number;
  /** Measured window so far, s. */
  elapsedS: number;
  /** The latest clock-sync estimate the renderer acked with. */
  sync: ClockSyncEstimate | null;
  /**
   * Largest uncertainty of the estimates that mapped the acked rows since the last reset: every
   * renderer stamp in the statistics is within this of the engine clock (early acks may have used
   * a coarser estimate than the latest). 0 when none.
   */
  syncWorstUncertaintyNs: number;
  /** All channels merged. */
  overall: ChannelLatency;
  channels: ChannelLatency[];
}

// ---------------------------------------------------------------------------------------------
// Report (`specula latency --report DIR` → DIR/report.json).

export const LATENCY_REPORT_SCHEMA = 'specula.latency-report';
export const LATENCY_REPORT_VERSION = 1;

export interface LatencyRunConfig {
  mode: 'live' | 'fake';
  channels: number;
  fps: number;
  cascade: string;
  durationS: number;
  warmupS: number;
  budgetMs: number;
  /** Percentile judged against the budget (99 = p99). */
  percentile: 50 | 95 | 99;
  /** Test knobs (fake mode): delays and clock offsets injected on purpose. */
  test?: Record<string, number>;
}

export interface LatencyVerdict {
  pass: boolean;
  /** Human-readable reasons for FAIL (empty on PASS). */
  reasons: string[];
}

export interface LatencyReport extends LatencySnapshot {
  schema: typeof LATENCY_REPORT_SCHEMA;
  version: number;
  createdAt: string;
  config: LatencyRunConfig;
  /**
   * Where it ran; `loadAvg1m` at the end of the run (a shared machine's load explains outliers);
   * `display`: what drew the page's images (WebGL or Canvas 2D) and why.
   */
  machine: { cpus: number; cpuModel: string; memGiB: number; os: string; node: string; browser: string; loadAvg1m?: number; display?: string };
  verdict: LatencyVerdict;
  /**
   * Independent check of the clock sync (headless runs): the page clock read through the browser's
   * debugging channel, bracketed by engine-clock reads. `errorNs` = sync offset − this offset; the
   * two must agree within the sum of their uncertainties.
   */
  syncCheck?: { offsetNs: number; uncertaintyNs: number; errorNs: number };
  /** Per segment of the merged channels, same order as SEGMENTS. */
  histograms: HistogramBuckets[];
  /** Per segment of the merged channels, same order as SEGMENTS. */
  series: SeriesData[];
  /** End-to-end series per channel (same order as `channels`). */
  channelSeries: SeriesData[];
  segmentNames: string[];
}

/** Pick the judged percentile of a segment. */
export function percentileOf(s: SegmentStats, p: 50 | 95 | 99): number {
  return p === 50 ? s.p50Ms : p === 95 ? s.p95Ms : s.p99Ms;
}

/**
 * PASS/FAIL of a snapshot against a budget: the judged percentile of end-to-end latency of every
 * channel must be within the budget, every channel must have presented frames, and no frame may be
 * lost without being counted. Used by the panel (live) and by `specula latency` (report).
 */
export function judge(s: Pick<LatencySnapshot, 'channels' | 'overall'>, budgetMs: number, percentile: 50 | 95 | 99 = 99, expectedChannels?: number): LatencyVerdict {
  const reasons: string[] = [];
  if (!(budgetMs > 0)) reasons.push(`budget must be > 0 ms, got ${budgetMs}`);
  if (expectedChannels !== undefined && s.channels.length < expectedChannels) {
    reasons.push(`only ${s.channels.length} of ${expectedChannels} channels presented any frame`);
  }
  if (s.channels.length === 0) reasons.push('no frame was presented');
  for (const c of s.channels) {
    const e2e = c.segments[E2E_SEGMENT];
    if (c.presented === 0 || e2e.count === 0) reasons.push(`channel ${c.channel}: no presented frame`);
    else if (percentileOf(e2e, percentile) > budgetMs) reasons.push(`channel ${c.channel}: p${percentile} ${percentileOf(e2e, percentile).toFixed(1)} ms > budget ${budgetMs} ms`);
    if (c.accounting.unaccounted > 0) {
      reasons.push(`channel ${c.channel}: ${c.accounting.unaccounted} frame(s) lost without being counted${c.accounting.exact ? '' : ' (per-frame deltas only: the worker wrote no cumulative counters and the hops that dropped frames did not carry them)'}`);
    }
  }
  return { pass: reasons.length === 0, reasons };
}

export type { HopName };

// ---------------------------------------------------------------------------------------------
// Bridge calls of this area (declaration merging into the one bridge contract, see ./bridge.ts).

/** Params of `latency.ack`: the ack message without its type tag. */
export type LatencyAckParams = Omit<LatencyAckMessage, 'type'>;

declare module './bridge' {
  interface BridgeRequests {
    /** Renderer → engine, ~4 Hz: the frames presented (or dropped) since the previous ack. */
    'latency.ack': { params: LatencyAckParams; result: { rows: number } };
    /** What the latency panel shows (poll ~2 Hz). */
    'latency.snapshot': { params: Record<string, never>; result: LatencySnapshot };
    /** Clear the ledger; frames acquired in the next `warmupMs` are ignored. */
    'latency.reset': { params: { warmupMs?: number }; result: { ok: true } };
  }
}
