/**
 * Renderer-side latency probe: one ack row per display frame shown (or dropped), with the renderer
 * hops (received, uploaded, presented) mapped onto the engine clock, sent to the engine
 * (`latency.ack`) a few times a second.
 *
 * Integration (the whole surface, main thread):
 *   const sync = new ClockSyncClient({ ping: async () => (await bridge.call('engine.clock', {})).monotonicNs });
 *   const probe = new LatencyProbe({ sync, send: (ack) => bridge.call('latency.ack', ack) });
 *   sync.start(); probe.start();
 *   probe.received(bytes);   // when a display frame reaches the page
 *   probe.uploaded(bytes);   // after texture.subimage of that frame
 *   probe.presented(bytes);  // after the draw that shows it; "presented" is stamped at the next
 *                            // animation frame (the draw has then been composited), not at the call
 *   probe.dropped(bytes);    // received but replaced before it was drawn (or use carryDropped)
 * A renderer that stamps received/uploaded itself with its own clock sync passes that sync as
 * `stampedWith`; the probe moves those stamps onto its own mapping.
 *
 * Clock mapping happens once per ack, at flush: rows keep renderer-clock times, and every row of an
 * ack is mapped with the estimate the ack carries, so the ack states the exact mapping (and its
 * uncertainty) its rows used. Rows live in a preallocated Float64Array: the per-frame calls allocate
 * nothing (one DataView is cached per distinct ArrayBuffer).
 */
import { DH, DISPLAY_HEADER_OFFSET, Hop, TIMING_OFFSET } from '../../../shared/display-frame';
import { FH } from '../../../shared/frame-header';
import { ACK_STRIDE, AckField, AckState, DropSlot, RendererSlot, WorkerSlot, type LatencyAckParams } from '../../../shared/latency';
import type { SyncSource } from './clock-sync-client';

const PENDING = 0; // row state: presented() called, "presented" not stamped yet
/** A frame is presented well within this time of its renderer stamps (see `stampedWith`). */
const STAMP_AGE_LIMIT_NS = 2e9;

function slot(v: DataView, i: number): number {
  return v.getFloat64(TIMING_OFFSET + i * 8, true);
}

let cacheBuf: ArrayBufferLike | null = null;
let cacheOff = -1;
let cacheView: DataView | null = null;
function viewOf(frame: Uint8Array): DataView {
  if (cacheBuf !== frame.buffer || cacheOff !== frame.byteOffset) {
    if (frame.byteLength < DISPLAY_HEADER_OFFSET + 32) throw new RangeError(`latency probe: ${frame.byteLength} bytes is shorter than a display frame header`);
    cacheBuf = frame.buffer;
    cacheOff = frame.byteOffset;
    cacheView = new DataView(frame.buffer, frame.byteOffset, DISPLAY_HEADER_OFFSET + 32);
  }
  return cacheView!;
}

export interface LatencyProbeOptions {
  /** Deliver an ack to the engine (`bridge.call('latency.ack', ack)`); a rejection is counted. */
  send: (ack: LatencyAckParams) => unknown;
  sync: SyncSource;
  /**
   * The sync another component used to stamp received/uploaded (engine clock) into the frames,
   * on the same renderer clock as `sync`. Its stamps are taken back to renderer time with its
   * offset and mapped again with ours, so every renderer stamp of a row shares one mapping.
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
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly raf: ((cb: () => void) => void) | null;
  /** `stampedWith`'s offset as last seen, and the renderer time it last changed. */
  private otherOffset = NaN;
  private otherChangedNs = -Infinity;
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

  /** The frame reached the page (renderer clock, mapped at flush). */
  received(frame: Uint8Array): void {
    viewOf(frame).setFloat64(TIMING_OFFSET + RendererSlot.rawReceived * 8, this.opts.sync.nowNs(), true);
  }

  /** The frame's pixels were uploaded to its texture (now, or at `atNs` on the renderer clock). */
  uploaded(frame: Uint8Array, atNs?: number): void {
    viewOf(frame).setFloat64(TIMING_OFFSET + RendererSlot.rawUploaded * 8, atNs ?? this.opts.sync.nowNs(), true);
  }

  /** Add a row for `frame`; false when it could not be kept (counted as overflow). */
  private append(frame: Uint8Array, state: number): boolean {
    if (this.used === this.capacity) {
      this.flush();
      if (this.used === this.capacity) {
        this.overflow++;
        return false;
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
    r[o + AckField.relayDropped] = slot(v, DropSlot.relay);
    r[o + AckField.rendererDropped] = slot(v, DropSlot.renderer);
    r[o + AckField.emittedTotal] = slot(v, WorkerSlot.emitted);
    r[o + AckField.skippedTotal] = slot(v, WorkerSlot.skippedTotal);
    r[o + AckField.gapTotal] = slot(v, WorkerSlot.gapTotal);
    for (let h = 0; h < Hop.Received; h++) r[o + AckField.stamps + h] = slot(v, h);
    // Renderer hops, renderer clock: our own raw stamps, else the other sync's stamps taken back.
    const other = this.opts.stampedWith ? this.opts.stampedWith.offsetNs() : NaN;
    const now = this.opts.sync.nowNs();
    if (!Number.isNaN(other) && other !== this.otherOffset) {
      this.otherOffset = other;
      this.otherChangedNs = now;
    }
    // A frame stamped just before the other mapping moved used an offset we no longer know.
    const otherOk = !Number.isNaN(other) && now - this.otherChangedNs > STAMP_AGE_LIMIT_NS;
    for (let h = Hop.Received; h <= Hop.Uploaded; h++) {
      const mine = slot(v, h === Hop.Received ? RendererSlot.rawReceived : RendererSlot.rawUploaded);
      const theirs = slot(v, h);
      r[o + AckField.stamps + h] = mine > 0 ? mine : theirs > 0 && otherOk ? theirs - other : 0;
    }
    r[o + AckField.stamps + Hop.Presented] = 0;
    this.used++;
    return true;
  }

  /** The frame was replaced by a newer one of its channel before it was drawn. */
  dropped(frame: Uint8Array): void {
    this.append(frame, AckState.RendererDropped);
  }

  /**
   * The draw showing `frame` has been issued (call right after it): "presented" is stamped at the
   * next animation frame. With `atNs` (renderer clock) the caller measured it (the GL worker stamps
   * its own next animation frame after the draw): stamped as given.
   */
  presented(frame: Uint8Array, atNs?: number): void {
    if (atNs !== undefined) {
      if (this.append(frame, AckState.Presented)) {
        this.rows[(this.used - 1) * ACK_STRIDE + AckField.stamps + Hop.Presented] = atNs;
        this.presentedCount++;
      }
      return;
    }
    if (!this.append(frame, PENDING)) return;
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
    const t = this.opts.sync.nowNs();
    const r = this.rows;
    for (let i = 0; i < this.used; i++) {
      const o = i * ACK_STRIDE;
      if (r[o + AckField.state] !== PENDING) continue;
      r[o + AckField.state] = AckState.Presented;
      r[o + AckField.stamps + Hop.Presented] = t;
      this.presentedCount++;
    }
    this.pendingCount = 0;
  }

  /**
   * Send every finished row now (the timer does it every `flushMs`), its renderer hops mapped with
   * the current estimate. Before the first clock-sync exchange the renderer hops are sent unset
   * (the frames still count as presented; their latency is simply not measured).
   */
  flush(): void {
    if (this.used === 0 && this.overflow === 0) return;
    const est = this.opts.sync.estimate();
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
      for (let k = 0; k < ACK_STRIDE; k++) {
        let x = r[o + k];
        if (k >= AckField.stamps + Hop.Received && x !== 0) x = est ? x + est.offsetNs : 0;
        out.push(x);
      }
    }
    this.used = keep;
    if (out.length === 0 && this.overflow === 0) return;
    const ack: LatencyAckParams = { rows: out, sync: est, overflow: this.overflow };
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
