/**
 * The per-frame loop of a channel worker: wait (native, off the JS thread) → copy the latest frame →
 * cascade → display frame → sink. Latest-wins: after a slow frame the next wait returns at once with
 * the newest frame, and every frame in between is counted as skipped, never queued.
 *
 * Everything the loop touches per frame is allocated in `configure()`: the input/aux buffers, the
 * display frame buffer with its views, the read-info arrays and the wait callback. A new cascade is
 * built on a fresh processor and swapped in only if it configured cleanly, so an invalid cascade
 * leaves the running one untouched.
 */
import { type CascadeSpec, type FrameShape, type SampleDType } from '../shared/cascade-spec';
import { REFERENCE_CHANNEL_ID, ringName } from '../shared/device';
import { realtimeWanted } from '../native/realtime-env';
import {
  DH,
  DISPLAY_HEADER_OFFSET,
  DISPLAY_PIXELS_OFFSET,
  Hop,
  TIMING_OFFSET,
  TIMING_SLOTS,
  displayFrameBytes,
} from '../shared/display-frame';
import { DType, FH, FRAME_HEADER_BYTES, FrameFlag } from '../shared/frame-header';
import { WorkerSlot } from '../shared/latency';
import { READ_INFO_LENGTH, ReadInfo, ReadStatus, type NativeModule, type RingConsumer } from '../native/api';
import type { CascadeProcessor, FrameInputs, SampleArray, StageData } from '../cascade/processor';
import type { DisplaySink } from './display-sink';
import type { WorkerStats } from './protocol';
import { RollingWindow } from './rolling-stats';

const TWO32 = 4294967296;

export function sampleDTypeOf(d: DType): SampleDType {
  switch (d) {
    case DType.U8: return 'uint8';
    case DType.U16: return 'uint16';
    case DType.F32: return 'float32';
    case DType.F64: return 'float64';
    default: throw new RangeError(`unknown ring dtype code ${String(d)}`);
  }
}

function allocSamples(d: DType, n: number): SampleArray {
  switch (d) {
    case DType.U8: return new Uint8Array(n);
    case DType.U16: return new Uint16Array(n);
    case DType.F32: return new Float32Array(n);
    default: return new Float64Array(n);
  }
}

/**
 * Which channel feeds an aux input: `ref` / `reference` → the device's hum reference channel,
 * `ch<N>` → optical channel N.
 */
export function auxChannelOf(name: string): number | null {
  if (name === 'ref' || name === 'reference') return REFERENCE_CHANNEL_ID;
  const m = /^ch(\d{1,5})$/.exec(name);
  return m ? Number(m[1]) : null;
}

interface AuxInput {
  name: string;
  consumer: RingConsumer;
  header: Uint8Array;
  payload: SampleArray;
  info: Float64Array;
}

/** One accepted configuration: the processor and every per-frame buffer that depends on it. */
interface ActiveConfig {
  name: string;
  processor: CascadeProcessor;
  aux: AuxInput[];
  inputs: FrameInputs;
  frame: Uint8Array;
  timing: Float64Array;
  dh: DataView;
  pixelsU8: Uint8Array | null;
  pixelsF32: Float32Array | null;
  /** The processor's display output (its identity is stable until the next configure). */
  display: StageData;
}

export interface ChannelLoopOptions {
  native: NativeModule;
  channel: number;
  prefix: string;
  /** A fresh, unconfigured processor for a spec (one per configuration, so a failed configure never disturbs the running one). */
  createProcessor: (spec: CascadeSpec, shape: FrameShape) => CascadeProcessor;
  sink: DisplaySink;
  waitTimeoutMs: number;
}

export type ConfigureOutcome = { ok: true; displayBytes: number } | { ok: false; error: string };

export class ChannelLoop {
  private readonly native: NativeModule;
  readonly consumer: RingConsumer;
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private readonly headerView = new DataView(this.header.buffer);
  private readonly payload: SampleArray;
  private readonly info = new Float64Array(READ_INFO_LENGTH);
  private readonly shape: FrameShape;
  private readonly auxRings = new Map<number, AuxInput>();
  private active: ActiveConfig | null = null;
  private running = false;
  private waiting = false;
  private rearmTimer: NodeJS.Timeout | null = null;
  private readonly onWakeBound: (status: ReadStatus) => void;
  private readonly onIdleWakeBound: (status: ReadStatus) => void;

  private lastSeq = 0;
  /** The frame `lastSeq` was passed, not processed (paced mode): a later read of it is not out of order. */
  private lastWasPassed = false;
  private skippedSinceEmit = 0;
  private gapSinceEmit = 0;
  readonly cascadeMs = new RollingWindow(512);
  readonly latencyMs = new RollingWindow(512);
  readonly stats: WorkerStats = {
    latestSeq: 0, framesIn: 0, framesOut: 0, skipped: 0, gaps: 0, cascadeMsP50: 0, cascadeMsP99: 0,
    latencyMsP50: 0, latencyMsP99: 0, latencyMsMax: 0, lastSentNs: 0, lastSeq: 0, firstSeq: 0, lastPickedSeq: 0, outOfOrder: 0, sinkDrops: 0,
    stageMs: {}, processorPath: '',
  };
  /** Exponential average of each stage's ms (index = processor.stages order). */
  private stageEma = new Float64Array(0);
  /** Called with an Error when a frame fails (the loop keeps going with the next frame). */
  onFrameError: (err: unknown) => void = () => {};
  /** Paced: called with the sequence of each frame read but not processed (see `passFrame`). */
  onPassedFrame: (seq: number) => void = () => {};
  /**
   * Display on demand (`setPaced(true)`): a frame is run through the cascade only when the host
   * asked for one (`pull`); the others are read and passed. Off (the default), every frame the
   * loop gets to is processed (latest-wins), as for a headless run or a recording.
   */
  private paced = false;
  /** A pull not yet served (paced mode); several pulls before a frame count as one. */
  private wanted = false;

  constructor(private readonly opts: ChannelLoopOptions) {
    this.native = opts.native;
    this.consumer = opts.native.openRing(ringName(opts.prefix, opts.channel), { realtime: realtimeWanted() });
    const c = this.consumer;
    this.shape = { lines: c.lines, samples: c.samples, dtype: sampleDTypeOf(c.dtype) };
    this.payload = allocSamples(c.dtype, c.lines * c.samples);
    this.onWakeBound = (status) => this.onWake(status);
    this.onIdleWakeBound = (status) => this.onIdleWake(status);
  }

  get cascadeName(): string | null {
    return this.active?.name ?? null;
  }

  /**
   * Build `spec` on a fresh processor; on success swap it in for the next frame, else keep the
   * running one and return the validation message.
   */
  configure(spec: CascadeSpec): ConfigureOutcome {
    const auxNames = Object.keys(spec?.input?.aux ?? {});
    for (const n of auxNames) {
      if (auxChannelOf(n) === null) return { ok: false, error: `input.aux.${n}: unknown aux source (use "ref" for the reference channel or "ch<N>" for channel N)` };
    }
    let processor: CascadeProcessor;
    let res;
    try {
      processor = this.opts.createProcessor(spec, this.shape);
    } catch (err) {
      return { ok: false, error: `cascade: ${err instanceof Error ? err.message : String(err)}` };
    }
    try {
      res = processor.configure(spec, this.shape);
    } catch (err) {
      processor.dispose();
      return { ok: false, error: `cascade: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (!res.ok) {
      processor.dispose();
      return { ok: false, error: res.errors.join('\n') };
    }
    const display = processor.output('display');
    if (display.complex) {
      processor.dispose();
      return { ok: false, error: 'outputs.display: the display output is complex; add a magnitude/log stage before it' };
    }
    let aux: AuxInput[];
    try {
      aux = auxNames.map((n) => this.auxInput(n, auxChannelOf(n)!));
    } catch (err) {
      processor.dispose();
      return { ok: false, error: `input.aux: ${err instanceof Error ? err.message : String(err)}` };
    }
    const pixDType = display.dtype === 'uint8' ? DType.U8 : DType.F32;
    const bytes = displayFrameBytes(display.samples, display.lines, pixDType);
    let capacity: number;
    try {
      capacity = this.opts.sink.resize(bytes);
    } catch (err) {
      processor.dispose();
      return { ok: false, error: `display output: ${err instanceof Error ? err.message : String(err)}` };
    }
    const frame = new Uint8Array(capacity);
    const dh = new DataView(frame.buffer, DISPLAY_HEADER_OFFSET, 32);
    dh.setUint32(DH.width, display.samples, true);
    dh.setUint32(DH.height, display.lines, true);
    dh.setUint16(DH.dtype, pixDType, true);
    const n = display.lines * display.samples;
    const cfg: ActiveConfig = {
      name: typeof spec.name === 'string' ? spec.name : 'cascade',
      processor,
      aux,
      inputs: { input: this.payload, aux: Object.fromEntries(aux.map((a) => [a.name, a.payload])) },
      frame,
      timing: new Float64Array(frame.buffer, TIMING_OFFSET, TIMING_SLOTS),
      dh,
      pixelsU8: pixDType === DType.U8 ? new Uint8Array(frame.buffer, DISPLAY_PIXELS_OFFSET, n) : null,
      pixelsF32: pixDType === DType.F32 ? new Float32Array(frame.buffer, DISPLAY_PIXELS_OFFSET, n) : null,
      display,
    };
    const old = this.active;
    this.active = cfg;
    old?.processor.dispose();
    this.cascadeMs.clear();
    this.stageEma = new Float64Array(processor.stages.length);
    this.stats.processorPath = processor.path;
    return { ok: true, displayBytes: bytes };
  }

  private auxInput(name: string, channel: number): AuxInput {
    let a = this.auxRings.get(channel);
    if (!a) {
      const consumer = this.native.openRing(ringName(this.opts.prefix, channel), { realtime: realtimeWanted() });
      a = { name, consumer, header: new Uint8Array(FRAME_HEADER_BYTES), payload: allocSamples(consumer.dtype, consumer.lines * consumer.samples), info: new Float64Array(READ_INFO_LENGTH) };
      this.auxRings.set(channel, a);
    }
    return { ...a, name };
  }

  start(): void {
    if (!this.active) throw new Error('channel loop: configure a cascade before start');
    this.running = true;
    this.arm();
  }

  /** Switch display on demand on or off (see `paced`). */
  setPaced(on: boolean): void {
    this.paced = on;
    if (!on) this.wanted = false;
  }

  /**
   * Paced: the host wants a display frame. The next frame the loop reads is processed: the next one
   * the source publishes (the loop always waits on the ring and passes the frames nobody wanted, so
   * what it processes is at most a wake-up old).
   */
  pull(): void {
    this.wanted = true;
  }

  stop(): void {
    this.running = false;
    if (this.rearmTimer) clearTimeout(this.rearmTimer);
    this.rearmTimer = null;
  }

  /** Release rings and the processor. The loop must be stopped. */
  close(): void {
    this.stop();
    this.active?.processor.dispose();
    this.active = null;
    // close() cancels a pending wait (its callback gets Closed, ignored since we are stopped).
    this.consumer.close();
    for (const a of this.auxRings.values()) a.consumer.close();
    this.auxRings.clear();
  }

  private arm(): void {
    if (!this.running || this.waiting) return;
    this.waiting = true;
    if (this.paced) {
      // Wait without copying (1.2 MB per frame saved); the frame is read only if a pull is there.
      // (Always this path while paced: the consumer's own read position stays at the last frame
      // processed, so a `waitRead` would return a frame already passed at once.)
      this.consumer.wait(this.lastSeq, this.opts.waitTimeoutMs, this.onIdleWakeBound);
      return;
    }
    // The native waiter thread copies the newest frame into our buffers before calling back, so the
    // hand-off costs one wake-up; the buffers are not touched by JS until the callback runs.
    this.consumer.waitRead(this.header, this.payload, this.info, this.opts.waitTimeoutMs, this.onWakeBound);
  }

  /**
   * Paced: a frame newer than the last one seen was published, or the wait timed out, or ended.
   * A pull that meets no newer frame within the wait (source paused or stalled, a replay stopped at
   * a frame) gets the newest frame already passed, so the display shows the frame the source is on.
   */
  private onIdleWake(status: ReadStatus): void {
    this.waiting = false;
    if (!this.running) return;
    if (status === ReadStatus.Frame) {
      if (this.wantsFrame() && this.consumer.readLatest(this.header, this.payload, this.info) === ReadStatus.Frame) {
        // A pull came while we waited (or pacing ended): this new frame is the one to show (read
        // here, on the JS thread).
        this.stats.latestSeq = this.info[ReadInfo.latestSeq] || this.stats.latestSeq;
        this.processWanted();
      } else {
        this.passFrame(this.consumer.latestSeq());
      }
      this.arm();
    } else if (status === ReadStatus.Timeout) {
      if (this.wantsFrame() && this.lastWasPassed && this.consumer.readLatest(this.header, this.payload, this.info) === ReadStatus.Frame) {
        this.processWanted();
      }
      this.arm();
    } else {
      this.armLater(20);
    }
  }

  /** The next frame is to be processed: a pull is waiting, or pacing is off. */
  private wantsFrame(): boolean {
    return this.wanted || !this.paced;
  }

  /**
   * Run the frame now in the buffers through the cascade; it answers any pull. A failing frame is
   * reported, the loop goes on, and the pull stays open: nothing was emitted, so nothing will be
   * acknowledged, and a paced consumer that waits for that would wait for ever.
   */
  private processWanted(): void {
    this.wanted = false;
    try {
      this.processFrame();
    } catch (err) {
      if (this.paced) this.wanted = true;
      this.onFrameError(err);
    }
  }

  private armLater(ms: number): void {
    if (!this.running || this.rearmTimer) return;
    this.rearmTimer = setTimeout(() => {
      this.rearmTimer = null;
      this.arm();
    }, ms);
  }

  private onWake(status: ReadStatus): void {
    this.waiting = false;
    if (!this.running) return;
    this.stats.latestSeq = this.info[ReadInfo.latestSeq] || this.stats.latestSeq;
    if (status === ReadStatus.Frame) {
      this.processWanted();
      this.arm();
    } else if (status === ReadStatus.Timeout) {
      this.arm();
    } else {
      // Producer dead / ring closed / spurious wake-up: do not spin, look again shortly.
      this.armLater(20);
    }
  }

  /** Sequence bookkeeping of a frame read from the ring (`processed`, or passed). */
  private account(seq: number, flags: number, processed: boolean): void {
    const s = this.stats;
    if (processed && this.lastWasPassed && seq === this.lastSeq) {
      // The frame passed last is processed after all (a pull met no newer frame, or pacing ended):
      // it is no longer a skip, and not a new sequence number.
      s.skipped--;
      if (this.skippedSinceEmit > 0) this.skippedSinceEmit--;
      this.lastWasPassed = false;
      return;
    }
    this.lastWasPassed = !processed;
    if (this.lastSeq > 0) {
      if (seq <= this.lastSeq) s.outOfOrder++;
      else {
        const missing = seq - this.lastSeq - 1;
        if (missing > 0) {
          // Frames the device published while we were busy are latest-wins skips; numbers the
          // source itself never delivered (SourceGap) are gaps.
          if (flags & FrameFlag.SourceGap) {
            s.gaps += missing;
            this.gapSinceEmit += missing;
          } else {
            s.skipped += missing;
            this.skippedSinceEmit += missing;
          }
        }
      }
    }
    this.lastSeq = seq;
    if (s.firstSeq === 0) s.firstSeq = seq;
    s.lastPickedSeq = seq;
  }

  /**
   * Paced (display on demand): a frame arrived while nobody downstream asked for one. It is read
   * (so the source's cadence is still seen and a stall still noticed) and counted as a latest-wins
   * skip, but not run through the cascade: under load the display takes a fraction of the frames,
   * and a cascade whose output would be replaced before anyone shows it only takes CPU from the
   * stages that show the others.
   */
  private passFrame(seq: number): void {
    // Not read, so its flags are unknown: numbers missing before it count as skips, not source gaps.
    this.account(seq, 0, false);
    this.stats.latestSeq = seq;
    this.stats.skipped++;
    this.skippedSinceEmit++;
    this.onPassedFrame(seq);
  }

  private processFrame(): void {
    const cfg = this.active!;
    const info = this.info;
    const hv = this.headerView;
    const seq = info[ReadInfo.seq];
    const flags = info[ReadInfo.flags];
    const tAcquired = info[ReadInfo.tAcquiredNs];
    const tRingWrite = hv.getUint32(FH.tRingWriteNs + 4, true) * TWO32 + hv.getUint32(FH.tRingWriteNs, true);
    const tPicked = info[ReadInfo.tCopiedNs] || this.native.monotonicNs();
    const s = this.stats;
    this.account(seq, flags, true);
    s.framesIn++;

    for (let i = 0; i < cfg.aux.length; i++) {
      const a = cfg.aux[i];
      a.consumer.readLatest(a.header, a.payload, a.info); // NoNewFrame keeps the previous reference frame
    }

    cfg.processor.run(cfg.inputs);
    const tDone = this.native.monotonicNs();
    const ms = cfg.processor.totalMs > 0 ? cfg.processor.totalMs : (tDone - tPicked) / 1e6;
    this.cascadeMs.push(ms);
    const sm = cfg.processor.stageMs;
    const ema = this.stageEma;
    for (let i = 0; i < ema.length && i < sm.length; i++) ema[i] = ema[i] === 0 ? sm[i] : ema[i] * 0.9 + sm[i] * 0.1;

    const frame = cfg.frame;
    frame.set(this.header, 0); // the display frame starts with the ring's header, unchanged
    const t = cfg.timing;
    t.fill(0);
    t[Hop.Acquired] = tAcquired;
    t[Hop.RingWrite] = tRingWrite;
    t[Hop.PickedUp] = tPicked;
    t[Hop.CascadeDone] = tDone;
    const out = cfg.display;
    const dh = cfg.dh;
    if (cfg.pixelsU8) {
      cfg.pixelsU8.set(out.data as Uint8Array);
      dh.setFloat32(DH.vmin, 0, true);
      dh.setFloat32(DH.vmax, 255, true);
    } else {
      const px = cfg.pixelsF32!;
      const src = out.data;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < px.length; i++) {
        const v = src[i];
        px[i] = v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      dh.setFloat32(DH.vmin, lo === Infinity ? 0 : lo, true);
      dh.setFloat32(DH.vmax, hi === -Infinity ? 0 : hi, true);
    }
    dh.setFloat32(DH.cascadeMs, ms, true);
    dh.setUint32(DH.skipped, this.skippedSinceEmit, true);
    dh.setUint32(DH.gap, this.gapSinceEmit, true);
    // Cumulative counters for the latency ledger's exact frame accounting (src/shared/latency.ts).
    t[WorkerSlot.emitted] = s.framesOut + s.sinkDrops + 1;
    t[WorkerSlot.skippedTotal] = s.skipped;
    t[WorkerSlot.gapTotal] = s.gaps;
    const tSent = this.native.monotonicNs();
    t[Hop.Sent] = tSent;
    if (this.opts.sink.emit(frame, seq, tAcquired, flags)) {
      s.framesOut++;
      s.lastSentNs = tSent;
      s.lastSeq = seq;
      this.skippedSinceEmit = 0;
      this.gapSinceEmit = 0;
      this.latencyMs.push((tSent - tRingWrite) / 1e6);
    } else {
      s.sinkDrops++;
    }
  }

  /** Stats with fresh percentiles (heartbeat rate, not per frame). */
  snapshot(): WorkerStats {
    const s = this.stats;
    s.cascadeMsP50 = this.cascadeMs.percentile(0.5);
    s.cascadeMsP99 = this.cascadeMs.percentile(0.99);
    s.latencyMsP50 = this.latencyMs.percentile(0.5);
    s.latencyMsP99 = this.latencyMs.percentile(0.99);
    s.latencyMsMax = this.latencyMs.max();
    const stages = this.active?.processor.stages ?? [];
    const byId: Record<string, number> = {};
    for (let i = 0; i < stages.length && i < this.stageEma.length; i++) byId[stages[i].id] = this.stageEma[i];
    s.stageMs = byId;
    return s;
  }
}

