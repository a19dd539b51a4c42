/**
 * Where a worker's display frames go. Bulk data never crosses the control channel.
 *
 * - `RingDisplaySink` (relay mode: web / headless): the worker owns a small latest-wins output ring
 *   (POSIX shm, 3 slots) whose payload is the whole display frame (src/shared/display-frame.ts).
 *   After each publish it sends a tiny `frame` notice; the host copies the newest frame out of the
 *   ring once, into a pooled buffer that goes straight to the WebSocket (one copy, and a slow host
 *   only ever sees the newest frame). When the display geometry changes (new cascade) a new ring
 *   generation is created, because a ring's geometry is fixed at creation.
 * - `PortDisplaySink` (Electron): frames are posted on the MessagePort main handed over, as plain
 *   values (one structured-clone copy), never in the transfer list (electron/electron#34905). The
 *   renderer answers each frame on the same port; at most `FRAME_WINDOW` frames are unanswered and
 *   the newest waits in one preallocated buffer, so a busy renderer cannot make the port queue grow.
 *   Paced (`setPaced`, what the Electron engine asks for): the sink asks the channel loop for a frame
 *   (`pull`) only when the window has room, so the cascade runs for frames the renderer will take
 *   and a slow renderer costs skipped source frames, not cascade runs whose output is replaced.
 */
import { ACK_TIMEOUT_MS, AckWindow, type PortStaleMessage } from '../shared/bridge';
import { nodeTimers, StaleWatch, type StaleNotice, type StaleWatchTimers } from '../engine/stale-watch';
import { DType, FrameFlag } from '../shared/frame-header';
import type { NativeModule, RingProducer } from '../native/api';

export interface DisplaySink {
  /** Output ring name in relay mode, else null. */
  readonly outputRing: string | null;
  /**
   * Prepare for display frames of `bytes` bytes (called at start and on every reconfigure).
   * Returns the size of the buffer `emit` expects (≥ bytes; the frame at its start, zero padding).
   */
  resize(bytes: number): number;
  /** Emit one display frame (a buffer of the size `resize` returned); false when it could not be delivered. */
  emit(frame: Uint8Array, seq: number, tAcquiredNs: number, flags: number): boolean;
  close(): void;
}

/** Row length of an output ring, bytes (frames are padded to a whole number of rows). */
export const ROW = 4096;

/** Relay mode: a per-worker output ring, generation-numbered. */
export class RingDisplaySink implements DisplaySink {
  private ring: RingProducer | null = null;
  private bytes = 0;
  private gen = 0;

  constructor(
    private readonly native: NativeModule,
    private readonly channel: number,
    /** `/<prefix>` without generation; must be unique per worker process. */
    private readonly baseName: string,
    private readonly notify: (seq: number) => void,
    private readonly slots = 3,
  ) {}

  get outputRing(): string | null {
    return this.ring?.name ?? null;
  }

  resize(bytes: number): number {
    // A ring row holds at most 65536 samples: store the frame as rows of ROW bytes, zero-padded.
    const rows = Math.ceil(bytes / ROW);
    if (this.ring && rows * ROW === this.bytes) return this.bytes;
    const old = this.ring;
    this.gen++;
    this.ring = this.native.createRing({ name: `${this.baseName}-g${this.gen}`, channel: this.channel, lines: rows, samples: ROW, dtype: DType.U8, slots: this.slots });
    this.bytes = rows * ROW;
    // The host keeps its own mapping of the old generation until it switches; unlinking only
    // removes the name, so this is safe and leaves nothing behind in /dev/shm.
    old?.close(true);
    return this.bytes;
  }

  emit(frame: Uint8Array, seq: number, tAcquiredNs: number, flags: number): boolean {
    if (!this.ring || frame.byteLength !== this.bytes) return false;
    // The output ring numbers display frames consecutively (seq 0 = next), so the host's read gap
    // counts display frames it never saw; the input sequence travels in the frame's own header.
    this.ring.publish(frame, tAcquiredNs, flags & ~FrameFlag.SourceGap, 0);
    this.notify(seq);
    return true;
  }

  close(): void {
    this.ring?.close(true);
    this.ring = null;
  }
}

/** Structural subset of Electron's MessagePortMain the worker uses. */
export interface PostPortLike {
  postMessage(message: unknown): void;
  start?(): void;
  close?(): void;
  /** 'close', and 'message' for the renderer's frame acknowledgements (MessagePortMain: `{ data }`). */
  on?(event: 'close' | 'message', cb: (e?: { data: unknown }) => void): unknown;
}

/** Electron mode: post display frames on a MessagePort received from main. */
export class PortDisplaySink implements DisplaySink {
  readonly outputRing = null;
  private port: PostPortLike | null = null;
  /**
   * The channel's stall watch on the frames it publishes (every one, also those that wait or are
   * replaced, and while paced those the loop passed): its verdicts go to the renderer on the same port, so a busy renderer that gets
   * fewer frames than the cascade makes still hears of a stall 3 production periods after it.
   */
  private readonly watch: StaleWatch;
  /** One message object, reused: posting clones it. */
  private readonly staleMsg: PortStaleMessage = { type: 'stale', notice: { channel: 0, stale: false, ageMs: 0, lastFrameMs: 0 } };

  constructor(private readonly channel = 0, fps = 30, private readonly timers: StaleWatchTimers = nodeTimers) {
    this.watch = new StaleWatch(() => fps, (n) => this.postStale(n), timers);
  }
  /** Paced: asks the loop for its next frame (null: unpaced, every processed frame is emitted). */
  private pull: (() => void) | null = null;
  /** A check for an overdue acknowledgement is scheduled (paced: no emit comes to run it). */
  private expiryArmed = false;
  private readonly checkExpiry = (): void => {
    this.expiryArmed = false;
    if (this.acks.expire()) {
      this.ackTimeouts++;
      this.room();
    } else if (this.acks.unacked > 0) {
      this.armExpiry();
    }
  };

  /**
   * Display on demand: from now on `pull` is called whenever the renderer can take a frame (a port
   * with room in its window: now, after each acknowledgement, after a new port, after an
   * acknowledgement was given up), and only pulled frames should be emitted.
   */
  setPaced(pull: () => void): void {
    this.pull = pull;
    this.room();
  }

  /** A source frame the paced loop passed without processing: still production, for the stall watch. */
  passed(seq: number): void {
    this.watch.frame(this.channel, seq);
  }

  private room(): void {
    if (this.pull && this.port && !this.acks.full && !this.hasPending) this.pull();
  }

  private armExpiry(): void {
    if (this.expiryArmed || !this.pull) return;
    this.expiryArmed = true;
    // Checked a few times per timeout: an answer is given up between ACK_TIMEOUT_MS and 1.25× it.
    this.timers.setTimeout(this.checkExpiry, ACK_TIMEOUT_MS / 4);
  }
  /** Frames posted and not acknowledged by the renderer yet (ACK_TIMEOUT_MS gives one up). */
  private acks = new AckWindow(() => performance.now());
  /** The newest frame waiting for an acknowledgement (preallocated in `resize`). */
  private pending = new Uint8Array(0);
  private hasPending = false;
  /** Frames replaced while waiting (dropped after the worker), and acknowledgements given up. */
  replaced = 0;
  ackTimeouts = 0;

  /** Adopt a (new) port; main sends a fresh one when the window reloads. */
  setPort(port: PostPortLike): void {
    this.port?.close?.();
    this.port = port;
    this.acks = new AckWindow(() => performance.now());
    this.hasPending = false;
    port.on?.('message', () => {
      if (this.port === port) this.onAck();
    });
    port.start?.();
    port.on?.('close', () => {
      if (this.port === port) this.port = null;
    });
    // A new port is a new page: it learns a stall that is already going on.
    for (const n of this.watch.staleNow()) this.postStale(n);
    this.room();
  }

  private postStale(n: StaleNotice): void {
    if (!this.port) return;
    this.staleMsg.notice = n;
    this.port.postMessage(this.staleMsg);
  }

  resize(bytes: number): number {
    if (this.pending.byteLength !== bytes) {
      this.pending = new Uint8Array(bytes);
      this.hasPending = false;
    }
    return bytes; // exact size: a posted view clones its whole ArrayBuffer
  }

  emit(frame: Uint8Array, seq: number): boolean {
    this.watch.frame(this.channel, seq);
    if (!this.port) return false;
    if (this.acks.expire()) this.ackTimeouts++;
    if (this.acks.full && frame.byteLength === this.pending.byteLength) {
      // Latest wins: the frame waits (copied: the caller reuses its buffer) for the renderer's ack.
      if (this.hasPending) this.replaced++;
      this.pending.set(frame);
      this.hasPending = true;
      return true;
    }
    this.post(frame);
    return true;
  }

  private post(frame: Uint8Array): void {
    // Plain value, not transferred: the structured clone is the one copy (see electron#34905).
    this.port!.postMessage(frame);
    this.acks.sent();
    this.armExpiry();
  }

  private onAck(): void {
    if (!this.acks.acked()) return;
    if (this.hasPending && this.port && !this.acks.full) {
      this.hasPending = false;
      this.post(this.pending);
    }
    this.room();
  }

  close(): void {
    this.pull = null;
    this.watch.close();
    this.port?.close?.();
    this.port = null;
  }
}

/** Benchmarks of the compute path alone: frames are built and then dropped. */
export class NullDisplaySink implements DisplaySink {
  readonly outputRing = null;
  resize(bytes: number): number {
    return bytes;
  }
  emit(): boolean {
    return true;
  }
  close(): void {}
}
