/**
 * A pure-JS stand-in for the engine's display-frame output, for testing the latency measurement
 * itself end to end (server → socket → browser → presented → ack → ledger) without the native
 * device or cascade workers. `specula latency --source fake` uses it.
 *
 * It plays the driver and the worker: every channel emits a small uint8 display frame per period
 * (channels staggered over the period), stamped acquired / ringWrite / pickedUp / cascadeDone /
 * sent on the engine clock, with the worker's cumulative counters (WorkerSlot) set, so the ledger's
 * frame accounting is exact. Test knobs inject known delays:
 * - `driverOffsetMs`: the acquisition stamp is that much older than the ring write
 *   (shows up in acquired→ringWrite);
 * - `relayDelayMs`: each frame is held that long after its "sent" stamp before it is handed to the
 *   server (shows up in sent→received, the segment that crosses the clock-sync boundary);
 * - `cascadeMs`: busy time between pickedUp and cascadeDone (a real blocking hop, like a cascade).
 *
 * Buffers are pooled per channel and lent with reference counts (the server's contract): when every
 * buffer of a channel is still held by slow clients, the frame is dropped after the "worker" — the
 * ledger then counts it as dropped after the worker from the cumulative counters.
 */
import { DH, DISPLAY_HEADER_OFFSET, DISPLAY_PIXELS_OFFSET, Hop, TIMING_OFFSET, TIMING_SLOTS, displayFrameBytes } from '../../shared/display-frame';
import { DType, FrameFlag, newFrameHeader, writeFrameHeader } from '../../shared/frame-header';
import { WorkerSlot } from '../../shared/latency';
import { engineNowNs } from './clock';
import { LatencyHistogram } from './histogram';

export interface FakeSourceOptions {
  channels: number;
  fps: number;
  width?: number;
  height?: number;
  driverOffsetMs?: number;
  relayDelayMs?: number;
  cascadeMs?: number;
  /** Channels the test delays (driverOffsetMs, relayDelayMs, cascadeMs) apply to (default all). */
  delayChannels?: number[];
  /** Buffers per channel (default 4). */
  pool?: number;
  now?: () => number;
}

/** A display frame on loan (structurally the server's `FrameLease`). */
export interface FakeLease {
  readonly bytes: Uint8Array;
  retain(): void;
  release(): void;
}

class PooledFrame implements FakeLease {
  refs = 0;
  readonly bytes: Uint8Array;
  readonly timing: Float64Array;
  readonly view: DataView;
  constructor(
    size: number,
    private readonly free: PooledFrame[],
  ) {
    this.bytes = new Uint8Array(size);
    this.timing = new Float64Array(this.bytes.buffer, TIMING_OFFSET, TIMING_SLOTS);
    this.view = new DataView(this.bytes.buffer);
  }
  retain(): void {
    this.refs++;
  }
  release(): void {
    if (this.refs <= 0) throw new Error('fake source: frame released more often than retained');
    if (--this.refs === 0) this.free.push(this);
  }
}

interface Chan {
  channel: number;
  seq: number;
  emitted: number;
  free: PooledFrame[];
  dropped: number;
  timer: ReturnType<typeof setTimeout> | null;
  nextNs: number;
}

export class FakeSource {
  private readonly chans: Chan[] = [];
  private readonly listeners = new Set<(f: FakeLease) => void>();
  private readonly now: () => number;
  private readonly periodNs: number;
  private readonly w: number;
  private readonly h: number;
  private running = false;
  private readonly hdr = newFrameHeader();
  /** Frames handed to listeners. */
  delivered = 0;
  /** Actual hold time of delayed frames ("sent" → handed to the server): timers run late under load. */
  readonly hold = new LatencyHistogram();

  constructor(readonly opts: FakeSourceOptions) {
    if (!Number.isInteger(opts.channels) || opts.channels < 1 || opts.channels > 64) throw new RangeError(`fake source: channels must be an integer 1..64, got ${opts.channels}`);
    if (!(opts.fps > 0 && opts.fps <= 1000)) throw new RangeError(`fake source: fps must be in (0, 1000], got ${opts.fps}`);
    for (const k of ['driverOffsetMs', 'relayDelayMs', 'cascadeMs'] as const) {
      const v = opts[k] ?? 0;
      if (!(v >= 0 && v < 10_000)) throw new RangeError(`fake source: ${k} must be in [0, 10000) ms, got ${v}`);
    }
    this.now = opts.now ?? engineNowNs;
    this.periodNs = 1e9 / opts.fps;
    this.w = opts.width ?? 256;
    this.h = opts.height ?? 160;
    const size = displayFrameBytes(this.w, this.h, DType.U8);
    for (let c = 0; c < opts.channels; c++) {
      const free: PooledFrame[] = [];
      for (let i = 0; i < (opts.pool ?? 4); i++) free.push(new PooledFrame(size, free));
      this.chans.push({ channel: c, seq: 0, emitted: 0, free, dropped: 0, timer: null, nextNs: 0 });
    }
  }

  get channels(): number[] {
    return this.chans.map((c) => c.channel);
  }

  /** Frames dropped after the "worker" because clients held every buffer, per channel. */
  drops(): number[] {
    return this.chans.map((c) => c.dropped);
  }

  onFrame(l: (f: FakeLease) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const t0 = this.now();
    this.chans.forEach((c, i) => {
      // Stagger channels over the period, as real devices do.
      c.nextNs = t0 + (this.periodNs * i) / this.chans.length;
      this.schedule(c);
    });
  }

  stop(): void {
    this.running = false;
    for (const c of this.chans) if (c.timer) clearTimeout(c.timer);
  }

  private schedule(c: Chan): void {
    if (!this.running) return;
    const delayMs = Math.max(0, (c.nextNs - this.now()) / 1e6);
    c.timer = setTimeout(() => {
      this.produce(c);
      c.nextNs += this.periodNs;
      // Late by more than a period (event loop stalled): skip ahead instead of bursting.
      const now = this.now();
      if (now - c.nextNs > this.periodNs) c.nextNs = now;
      this.schedule(c);
    }, delayMs);
  }

  private produce(c: Chan): void {
    c.seq++;
    const o = this.opts;
    const delayed = !o.delayChannels || o.delayChannels.includes(c.channel);
    const tRing = this.now();
    const tAcq = tRing - (delayed ? (o.driverOffsetMs ?? 0) : 0) * 1e6;
    const f = c.free.pop();
    if (!f) {
      // Every buffer still held by the clients: the frame is emitted by the "worker" but dropped
      // on the way out, like the engine relay does.
      c.emitted++;
      c.dropped++;
      return;
    }
    f.refs = 1;
    const tPicked = this.now();
    if (o.cascadeMs && delayed) {
      const until = tPicked + o.cascadeMs * 1e6;
      while (this.now() < until) {
        /* busy: a blocking hop of known duration */
      }
    }
    const tDone = this.now();
    const hdr = this.hdr;
    hdr.channel = c.channel;
    hdr.seq = c.seq;
    hdr.tAcquiredNs = Math.round(tAcq);
    hdr.tRingWriteNs = Math.round(tRing);
    hdr.lines = this.h;
    hdr.samples = this.w;
    hdr.dtype = DType.U8;
    hdr.flags = FrameFlag.Simulated;
    writeFrameHeader(f.bytes, hdr);
    const t = f.timing;
    t.fill(0);
    t[Hop.Acquired] = hdr.tAcquiredNs;
    t[Hop.RingWrite] = tRing;
    t[Hop.PickedUp] = tPicked;
    t[Hop.CascadeDone] = tDone;
    c.emitted++;
    t[WorkerSlot.emitted] = c.emitted;
    const dh = DISPLAY_HEADER_OFFSET;
    f.view.setUint32(dh + DH.width, this.w, true);
    f.view.setUint32(dh + DH.height, this.h, true);
    f.view.setUint16(dh + DH.dtype, DType.U8, true);
    f.view.setFloat32(dh + DH.cascadeMs, (tDone - tPicked) / 1e6, true);
    f.view.setFloat32(dh + DH.vmin, 0, true);
    f.view.setFloat32(dh + DH.vmax, 255, true);
    // A moving diagonal band plus the channel id as the base level: visibly live, cheap to draw.
    const px = f.bytes;
    const shift = c.seq * 3;
    for (let y = 0; y < this.h; y++) {
      const row = DISPLAY_PIXELS_OFFSET + y * this.w;
      for (let x = 0; x < this.w; x++) px[row + x] = ((x + y + shift) & 63) < 8 ? 255 : 20 + c.channel * 10;
    }
    t[Hop.Sent] = this.now();
    if (o.relayDelayMs && delayed) {
      setTimeout(() => {
        this.hold.record(this.now() - t[Hop.Sent]);
        this.deliver(f);
      }, o.relayDelayMs);
    } else this.deliver(f);
  }

  private deliver(f: PooledFrame): void {
    this.delivered++;
    for (const l of this.listeners) l(f);
    f.release();
  }
}
