/**
 * Renderer-side latency probe: stamps the renderer hops of display frames on the engine clock,
 * keeps one ack row per frame and sends the rows to the engine (`latency.ack`) a few times a second.
 *
 * Integration (the whole surface, main thread):
 *   const sync = new ClockSyncClient({ ping: async () => (await bridge.call('engine.clock', {})).monotonicNs });
 *   const probe = new LatencyProbe({ sync, send: (ack) => bridge.call('latency.ack', ack) });
 *   sync.start(); probe.start();
 *   probe.received(bytes);   // when a display frame reaches the page (skip if already stamped)
 *   probe.uploaded(bytes);   // after texture.subimage of that frame
 *   probe.presented(bytes);  // after the draw that shows it; "presented" is stamped at the next
 *                            // animation frame (the draw has then been composited), not at the call
 *   probe.dropped(bytes);    // received but replaced before it was drawn (or use carryDropped)
 *
 * Rows live in a preallocated Float64Array: the per-frame calls allocate nothing (one DataView is
 * cached per distinct ArrayBuffer). A frame presented before the first clock-sync exchange is acked
 * without renderer stamps (it still counts as presented; its latency is simply not measured).
 */
import { Hop, TIMING_OFFSET, DH, DISPLAY_HEADER_OFFSET } from '../../../shared/display-frame';
import { FH } from '../../../shared/frame-header';
import { ACK_STRIDE, AckField, AckState, DropSlot, WorkerSlot, type LatencyAckParams } from '../../../shared/latency';
import type { SyncSource } from './clock-sync-client';

const PENDING = 0; // row state: presented() called, "presented" not stamped yet
/** A frame is presented well within this time of its renderer stamps (see `stampedWith`). */
const STAMP_AGE_LIMIT_NS = 2e9;

let cacheBuf: ArrayBufferLike | null = null;
let cacheOff = -1;
let cacheView: DataView | null = null;
function viewOf(frame: Uint8Array): DataView {
  if (cacheBuf !== frame.buffer || cacheOff !== frame.byteOffset || cacheView!.byteLength < DISPLAY_HEADER_OFFSET + 32) {
    if (frame.byteLength < DISPLAY_HEADER_OFFSET + 32) throw new RangeError(`latency probe: ${frame.byteLength} bytes is shorter than a display frame header`);
    cacheBuf = frame.buffer;
    cacheOff = frame.byteOffset;
    cacheView = new DataView(frame.buffer, frame.byteOffset, DISPLAY_HEADER_OFFSET + 32);
  }
  return cacheView!;
}

/** Write `hop`'s stamp (engine clock ns, from `sync`) into a display frame; false if not synced yet. */
export function stampHop(frame: Uint8Array, hop: Hop, sync: SyncSource): boolean {
  const t = sync.engineNowNs();
  if (t === null) return false;
  viewOf(frame).setFloat64(TIMING_OFFSET + hop * 8, t, true);
  return true;
}

export interface LatencyProbeOptions {
  /** Deliver an ack to the engine (`bridge.call('latency.ack', ack)`); a rejection is counted. */
  send: (ack: LatencyAckParams) => unknown;
  sync: SyncSource;
  /**
   * The sync another component already used to stamp received/uploaded into the frames (e.g. the
   * display's own), on the same renderer clock base as `sync`. When given, those stamps are moved
   * onto `sync`'s mapping (by the difference of the two offsets) so every renderer stamp of a row
   * shares one mapping — the one reported.
   */
  stampedWith?: SyncSource;
  /** Ack period, ms (default 250). */
  flushMs?: number;
  /** Rows held between flushes (default 4096; when full the probe flushes early). */
  capacity?: number;
  /** `next-frame` (default): stamp presented in the next requestAnimationFrame; `call`: at the call. */
  presentAt?: 'next-frame' | 'call';
  /** Animation-frame scheduler (default requestAnimationFrame when it exists). */
  raf?: (cb: () => void) => void;
}

export class LatencyProbe {
  private readonly rows: Float64Array;
  private readonly capacity: number;
  private used = 0;
  private pendingCount = 0;
  private overflow = 0;
  private rafScheduled = false;
  /** `stampedWith`'s offset as last seen, and the engine time it last changed. */
  private otherOffset = NaN;
  private otherChangedNs = -Infinity;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly raf: ((cb: () => void) => void) | null;
  /** Diagnostics (a test harness reads them). */
  presentedCount = 0;
  acksSent = 0;
  sendErrors = 0;
  lastSendError: string | null = null;

  constructor(private readonly opts: LatencyProbeOptions) {
    this.capacity = opts.capacity ?? 4096;
    this.rows = new Float64Array(this.capacity * ACK_STRIDE);
    const hasRaf = typeof requestAnimationFrame === 'function';
    this.raf = (opts.presentAt ?? 'next-frame') === 'call' ? null : (opts.raf ?? (hasRaf ? (cb) => requestAnimationFrame(cb) : null));
  }

  start(): void {
    if (!this.timer) this.timer = setInterval(() => this.flush(), this.opts.flushMs ?? 250);
  }

  /** Stop the timer and send what is finished. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stampPending();
    this.flush();
  }

  received(frame: Uint8Array): void {
    stampHop(frame, Hop.Received, this.opts.sync);
  }

  uploaded(frame: Uint8Array): void {
    stampHop(frame, Hop.Uploaded, this.opts.sync);
  }

  private append(frame: Uint8Array, state: number): void {
    if (this.used === this.capacity) {
      this.flush();
      if (this.used === this.capacity) {
        this.overflow++;
        return;
      }
    }
    const v = viewOf(frame);
    const o = this.used * ACK_STRIDE;
    const r = this.rows;
    r[o + AckField.channel] = v.getUint32(FH.channel, true);
    r[o + AckField.seq] = v.getUint32(FH.seq + 4, true) * 4294967296 + v.getUint32(FH.seq, true);
    r[o + AckField.flags] = v.getUint32(FH.flags, true);
    r[o + AckField.skipped] = v.getUint32(DISPLAY_HEADER_OFFSET + DH.skipped, true);
    r[o + AckField.gap] = v.getUint32(DISPLAY_HEADER_OFFSET + DH.gap, true);
    r[o + AckField.state] = state;
    r[o + AckField.relayDropped] = v.getFloat64(TIMING_OFFSET + DropSlot.relay * 8, true);
    r[o + AckField.rendererDropped] = v.getFloat64(TIMING_OFFSET + DropSlot.renderer * 8, true);
    r[o + AckField.emittedTotal] = v.getFloat64(TIMING_OFFSET + WorkerSlot.emitted * 8, true);
    r[o + AckField.skippedTotal] = v.getFloat64(TIMING_OFFSET + WorkerSlot.skippedTotal * 8, true);
    r[o + AckField.gapTotal] = v.getFloat64(TIMING_OFFSET + WorkerSlot.gapTotal * 8, true);
    for (let h = 0; h < 8; h++) r[o + AckField.stamps + h] = v.getFloat64(TIMING_OFFSET + h * 8, true);
    const other = this.opts.stampedWith?.estimate();
    if (other) {
      const mine = this.opts.sync.estimate();
      const nowNs = this.opts.sync.engineNowNs() ?? 0;
      if (other.offsetNs !== this.otherOffset) {
        this.otherOffset = other.offsetNs;
        this.otherChangedNs = nowNs;
      }
      // The frame was stamped with the other mapping some time before this call: if that mapping
      // changed recently, we do not know which offset it used. Stamps that cannot be moved onto our
      // mapping exactly are unset (those hops lose a sample; end to end is unaffected).
      const trusted = mine !== null && nowNs - this.otherChangedNs > STAMP_AGE_LIMIT_NS;
      for (let h = Hop.Received; h <= Hop.Uploaded; h++) {
        const k = o + AckField.stamps + h;
        if (r[k] > 0) r[k] = trusted ? r[k] + (mine.offsetNs - other.offsetNs) : 0;
      }
    }
    this.used++;
  }

  /** The frame was replaced by a newer one of its channel before it was drawn. */
  dropped(frame: Uint8Array): void {
    this.append(frame, AckState.RendererDropped);
  }

  /** The draw showing `frame` has been issued (call right after it). */
  presented(frame: Uint8Array): void {
    this.append(frame, PENDING);
    this.pendingCount++;
    if (!this.raf) {
      this.stampPending();
    } else if (!this.rafScheduled) {
      this.rafScheduled = true;
      this.raf(this.onFrame);
    }
  }

  private readonly onFrame = (): void => {
    this.rafScheduled = false;
    this.stampPending();
  };

  private stampPending(): void {
    if (this.pendingCount === 0) return;
    const t = this.opts.sync.engineNowNs() ?? 0; // 0 = not measured (before the first sync)
    const r = this.rows;
    for (let i = 0; i < this.used; i++) {
      const o = i * ACK_STRIDE;
      if (r[o + AckField.state] !== PENDING) continue;
      r[o + AckField.state] = AckState.Presented;
      r[o + AckField.stamps + Hop.Presented] = t;
      if (t === 0) for (let h = Hop.Received; h <= Hop.Uploaded; h++) r[o + AckField.stamps + h] = 0;
      this.presentedCount++;
    }
    this.pendingCount = 0;
  }

  /** Send every finished row now (the timer does it every `flushMs`). */
  flush(): void {
    if (this.used === 0 && this.overflow === 0) return;
    const r = this.rows;
    const out: number[] = [];
    let keep = 0;
    for (let i = 0; i < this.used; i++) {
      const o = i * ACK_STRIDE;
      if (r[o + AckField.state] === PENDING) {
        if (keep !== i) r.copyWithin(keep * ACK_STRIDE, o, o + ACK_STRIDE);
        keep++;
        continue;
      }
      for (let k = 0; k < ACK_STRIDE; k++) out.push(r[o + k]);
    }
    this.used = keep;
    if (out.length === 0 && this.overflow === 0) return;
    const ack: LatencyAckParams = { rows: out, sync: this.opts.sync.estimate(), overflow: this.overflow };
    this.overflow = 0;
    this.acksSent++;
    try {
      const p = this.opts.send(ack);
      if (p && typeof (p as Promise<unknown>).catch === 'function') {
        (p as Promise<unknown>).catch((e: unknown) => this.noteSendError(e));
      }
    } catch (e) {
      this.noteSendError(e);
    }
  }

  private noteSendError(e: unknown): void {
    this.sendErrors++;
    this.lastSendError = e instanceof Error ? e.message : String(e);
  }
}
