/**
 * An in-process stand-in for the native module's ring consumer side, for unit tests of the frame
 * loop (no shared memory, no threads): `FakeRing.publish` stores frames, `wait` calls back on the
 * next macrotask when a newer frame exists (or after the timeout), `readLatest` copies the newest.
 */
import { DType, FRAME_HEADER_BYTES, newFrameHeader, writeFrameHeader } from '../../shared/frame-header';
import { ReadInfo, ReadStatus, type NativeModule, type RingConsumer, type RingOptions, type RingProducer } from '../../native/api';

export class FakeRing implements RingConsumer {
  readonly slots = 4;
  readonly ownerPid = process.pid;
  readonly realtime = false;
  private seq = 0;
  private lastRead = 0;
  private header = new Uint8Array(FRAME_HEADER_BYTES);
  private data: ArrayBufferView | null = null;
  private waiter: { after: number; cb: (s: ReadStatus) => void; timer: NodeJS.Timeout } | null = null;
  private lastAcquired = 0;
  private lastFlags = 0;

  constructor(
    readonly name: string,
    readonly channel: number,
    readonly lines: number,
    readonly samples: number,
    readonly dtype: DType = DType.U16,
    private readonly clock: () => number = () => Number(process.hrtime.bigint()),
  ) {}

  /** Publish a frame; `seqJump` > 0 simulates a source gap of that many numbers. */
  publish(payload: ArrayBufferView, seqJump = 0, flags = 0): number {
    this.seq += 1 + seqJump;
    const h = newFrameHeader();
    Object.assign(h, { channel: this.channel, flags, seq: this.seq, tAcquiredNs: this.clock(), tRingWriteNs: this.clock(), lines: this.lines, samples: this.samples, dtype: this.dtype });
    writeFrameHeader(this.header, h);
    this.lastAcquired = h.tAcquiredNs;
    this.lastFlags = flags;
    this.data = payload;
    const w = this.waiter;
    if (w && this.seq > w.after) {
      this.waiter = null;
      clearTimeout(w.timer);
      setImmediate(() => w.cb(ReadStatus.Frame));
    }
    return this.seq;
  }

  /** No threads in the fake: Frame when one newer than `afterSeq` exists, else Timeout at once. */
  waitSync(afterSeq: number, _timeoutMs: number): ReadStatus {
    return this.seq > afterSeq ? ReadStatus.Frame : ReadStatus.Timeout;
  }

  readLatest(header: Uint8Array, payload: ArrayBufferView, info: Float64Array): ReadStatus {
    if (this.seq === 0 || this.seq === this.lastRead) return ReadStatus.NoNewFrame;
    header.set(this.header);
    new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength).set(new Uint8Array(this.data!.buffer, this.data!.byteOffset, this.data!.byteLength));
    info[ReadInfo.seq] = this.seq;
    info[ReadInfo.gap] = this.lastRead ? this.seq - this.lastRead - 1 : 0;
    info[ReadInfo.overrun] = 0;
    info[ReadInfo.latestSeq] = this.seq;
    info[ReadInfo.tCopiedNs] = this.clock();
    info[ReadInfo.tAcquiredNs] = this.lastAcquired;
    info[ReadInfo.flags] = this.lastFlags;
    this.lastRead = this.seq;
    return ReadStatus.Frame;
  }

  get payloadBytes(): number {
    return this.lines * this.samples * (this.dtype === DType.U8 ? 1 : this.dtype === DType.U16 ? 2 : this.dtype === DType.F32 ? 4 : 8);
  }

  readNext(header: Uint8Array, payload: ArrayBufferView, info: Float64Array): ReadStatus {
    return this.readLatest(header, payload, info);
  }

  waitRead(header: Uint8Array, payload: ArrayBufferView, info: Float64Array, timeoutMs: number, cb: (status: ReadStatus) => void): void {
    this.wait(this.lastRead, timeoutMs, (st) => cb(st === ReadStatus.Frame ? this.readLatest(header, payload, info) : st));
  }

  ack(_seq: number): void {}

  status(): number {
    return 0;
  }

  wait(afterSeq: number, timeoutMs: number, cb: (status: ReadStatus) => void): void {
    if (this.waiter) throw new Error('FakeRing: one wait at a time');
    if (this.seq > afterSeq) {
      setImmediate(() => cb(ReadStatus.Frame));
      return;
    }
    const timer = setTimeout(() => {
      this.waiter = null;
      cb(ReadStatus.Timeout);
    }, timeoutMs);
    this.waiter = { after: afterSeq, cb, timer };
  }

  latestSeq(): number {
    return this.seq;
  }
  heartbeatAgeMs(): number {
    return 0;
  }
  close(): void {
    if (this.waiter) clearTimeout(this.waiter.timer);
    this.waiter = null;
  }
}

/** A NativeModule whose `openRing` returns registered FakeRings; producer/device calls throw. */
export function fakeNative(rings: Record<string, FakeRing>): NativeModule {
  return {
    monotonicNs: () => Number(process.hrtime.bigint()),
    openRing: (name: string) => {
      const r = rings[name];
      if (!r) throw new Error(`no ring ${name}`);
      return r;
    },
    createRing: (_o: RingOptions): RingProducer => {
      throw new Error('fakeNative: createRing not supported');
    },
    reclaimStaleRings: () => [],
    loadDriver: () => {
      throw new Error('fakeNative: no drivers');
    },
    createSimDevice: () => {
      throw new Error('fakeNative: no sim device');
    },
    frameHeaderLayout: () => ({}),
  };
}
