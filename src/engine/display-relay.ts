/**
 * Host side of relay mode (web / headless): reads each channel's display frames from the worker's
 * output ring and hands them to subscribers (the WebSocket bridge) as leases on pooled buffers.
 *
 * One copy: shm slot → pooled JS buffer (the ring's seqlock guarantees an untorn frame). The buffer
 * is then passed as is to `ws.send` by the bridge, which keeps a reference until the socket has
 * written it — hence leases: a subscriber that needs the bytes after its callback returns calls
 * `retain()` and later `release()` (e.g. in `ws.send`'s callback). A buffer returns to the pool when
 * the last holder releases it. When every buffer of a channel is still held (slow clients), the
 * frame is not read and counted in `dropped`: the output ring keeps only the newest frame, so a slow
 * consumer sees fresh frames, never a backlog.
 */
import { DH, DISPLAY_HEADER_OFFSET, displayFrameBytes } from '../shared/display-frame';
import { DType, FH, FRAME_HEADER_BYTES } from '../shared/frame-header';
import { READ_INFO_LENGTH, ReadInfo, ReadStatus, type NativeModule, type RingConsumer } from '../native/api';

/** A display frame on loan (layout: src/shared/display-frame.ts). */
export interface DisplayFrameLease {
  readonly channel: number;
  readonly seq: number;
  /**
   * Display frames of this channel the host did not deliver between the previous lease and this
   * one, because a newer one was already in the output ring when it read (latest-wins at the relay).
   */
  readonly relaySkipped: number;
  /** The whole display frame. Valid during the callback; longer only between retain() and release(). */
  readonly bytes: Uint8Array;
  retain(): void;
  release(): void;
}

class PooledBuffer implements DisplayFrameLease {
  refs = 0;
  seq = 0;
  relaySkipped = 0;
  /** What the ring slot holds: the frame plus zero padding to whole ring rows. */
  readonly slot: Uint8Array;
  /**
   * The display frame itself: a view remade only when the frame size changes (a new cascade), so
   * delivering allocates nothing in the steady state.
   */
  bytes: Uint8Array;
  readonly view: DataView;
  constructor(
    readonly channel: number,
    slotBytes: number,
    frameBytes: number,
    private readonly pool: PooledBuffer[],
    private readonly alive: () => boolean,
  ) {
    this.slot = new Uint8Array(slotBytes);
    this.bytes = this.slot.subarray(0, frameBytes);
    this.view = new DataView(this.slot.buffer);
  }
  retain(): void {
    this.refs++;
  }
  release(): void {
    if (this.refs <= 0) throw new Error(`display frame lease ch${this.channel} seq ${this.seq}: released more often than retained`);
    if (--this.refs === 0 && this.alive()) this.pool.push(this);
  }
}

interface ChannelRelay {
  channel: number;
  ring: string;
  consumer: RingConsumer;
  bytes: number;
  free: PooledBuffer[];
  header: Uint8Array;
  info: Float64Array;
  relayed: number;
  dropped: number;
  coalesced: number;
  /** Output-ring sequence of the last frame delivered (display frames carry the input seq). */
  lastSeq: number;
  open: boolean;
}

export interface RelayStats {
  channel: number;
  ring: string | null;
  /** Display frames delivered to subscribers. */
  relayed: number;
  /** Frames not read because every lease buffer was still held (slow subscribers). */
  dropped: number;
  /** Frames superseded in the output ring before the host read them (latest-wins). */
  coalesced: number;
}

export class DisplayRelay {
  private readonly channels = new Map<number, ChannelRelay>();
  private readonly subs = new Set<(f: DisplayFrameLease) => void>();
  private readonly totals = new Map<number, { relayed: number; dropped: number; coalesced: number }>();

  constructor(
    private readonly native: NativeModule,
    /** Buffers per channel: 1 being filled + ones still being written to sockets. */
    private readonly poolSize = 4,
  ) {}

  /** Point a channel at its (new) output ring, or detach it (`ring` null). */
  setRing(channel: number, ring: string | null, bytes: number): void {
    const old = this.channels.get(channel);
    if (old && old.ring === ring && old.bytes === bytes) return;
    if (old) {
      old.open = false;
      old.consumer.close();
      const t = this.totals.get(channel) ?? { relayed: 0, dropped: 0, coalesced: 0 };
      t.relayed += old.relayed;
      t.dropped += old.dropped;
      t.coalesced += old.coalesced;
      this.totals.set(channel, t);
      this.channels.delete(channel);
    }
    if (!ring || bytes <= 0) return;
    const consumer = this.native.openRing(ring);
    const c: ChannelRelay = {
      channel, ring, consumer, bytes, free: [], header: new Uint8Array(FRAME_HEADER_BYTES), info: new Float64Array(READ_INFO_LENGTH),
      relayed: 0, dropped: 0, coalesced: 0, lastSeq: 0, open: true,
    };
    if (consumer.payloadBytes < bytes) {
      consumer.close();
      throw new Error(`display relay ch${channel}: output ring ${ring} holds ${consumer.payloadBytes} bytes per frame, display frames have ${bytes}`);
    }
    for (let i = 0; i < this.poolSize; i++) c.free.push(new PooledBuffer(channel, consumer.payloadBytes, bytes, c.free, () => c.open));
    this.channels.set(channel, c);
  }

  /** A `frame` notice arrived: copy the newest frame out and deliver it. */
  notify(channel: number): void {
    const c = this.channels.get(channel);
    if (!c || this.subs.size === 0) return;
    const buf = c.free.pop();
    if (!buf) {
      c.dropped++;
      return;
    }
    const st = c.consumer.readLatest(c.header, buf.slot, c.info);
    if (st !== ReadStatus.Frame) {
      // Several notices can collapse onto one read (latest-wins); nothing new is not an error.
      c.free.push(buf);
      return;
    }
    // The output ring numbers display frames 1, 2, 3… so its read gap is the number of display
    // frames superseded before we read; the input sequence is in the frame's own header.
    buf.seq = buf.view.getUint32(FH.seq + 4, true) * 4294967296 + buf.view.getUint32(FH.seq, true);
    // The frame's size comes from its own display header, never from the channel's last known
    // configuration: right after a reconfigure, a notice processed late can find a frame of the new
    // cascade in the ring while `c.bytes` still describes the old one (or the other way round).
    const dt = buf.view.getUint16(DISPLAY_HEADER_OFFSET + DH.dtype, true);
    const n = dt === DType.U8 || dt === DType.F32 || dt === DType.U16 || dt === DType.F64
      ? displayFrameBytes(buf.view.getUint32(DISPLAY_HEADER_OFFSET + DH.width, true), buf.view.getUint32(DISPLAY_HEADER_OFFSET + DH.height, true), dt)
      : Infinity;
    if (n > buf.slot.byteLength) {
      c.free.push(buf);
      c.dropped++;
      console.error(`display relay ch${channel}: display header (dtype ${dt}) gives ${n} bytes, output slot holds ${buf.slot.byteLength}; frame dropped`);
      return;
    }
    if (buf.bytes.byteLength !== n) buf.bytes = buf.slot.subarray(0, n);
    const outSeq = c.info[ReadInfo.seq];
    buf.relaySkipped = c.lastSeq ? Math.max(0, outSeq - c.lastSeq - 1) : 0;
    c.coalesced += buf.relaySkipped;
    c.lastSeq = outSeq;
    buf.refs = 1;
    c.relayed++;
    for (const cb of this.subs) {
      try {
        cb(buf);
      } catch (err) {
        console.error(`display frame subscriber failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    buf.release();
  }

  subscribe(cb: (f: DisplayFrameLease) => void): () => void {
    this.subs.add(cb);
    return () => this.subs.delete(cb);
  }

  stats(): RelayStats[] {
    const chans = new Set([...this.channels.keys(), ...this.totals.keys()]);
    return [...chans].sort((a, b) => a - b).map((ch) => {
      const c = this.channels.get(ch);
      const t = this.totals.get(ch) ?? { relayed: 0, dropped: 0, coalesced: 0 };
      return { channel: ch, ring: c?.ring ?? null, relayed: t.relayed + (c?.relayed ?? 0), dropped: t.dropped + (c?.dropped ?? 0), coalesced: t.coalesced + (c?.coalesced ?? 0) };
    });
  }

  close(): void {
    for (const ch of [...this.channels.keys()]) this.setRing(ch, null, 0);
    this.subs.clear();
  }
}
