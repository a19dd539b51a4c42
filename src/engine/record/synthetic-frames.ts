/**
 * Deterministic synthetic frames for tests and benchmarks of the recorder (no native device needed):
 * a `FakeRing` implements the reading half of the native `RingConsumer` contract (latest-wins, gap
 * accounting) over one JS buffer, and `publish` fills it with a seeded pattern.
 */
import { DType, FRAME_HEADER_BYTES, FrameFlag, dtypeSize, writeFrameHeader, newFrameHeader } from '../../shared/frame-header';
import { ReadInfo, ReadStatus } from '../../native/api';
import type { ChannelMeta } from './format';

/** Minimal reading side of a ring, as the recorder uses it (a subset of RingConsumer). */
export interface FrameSource {
  readonly channel: number;
  readonly lines: number;
  readonly samples: number;
  readonly dtype: DType;
  readLatest(header: Uint8Array, payload: ArrayBufferView, info: Float64Array): ReadStatus;
  /** In-order read (the frame after the last one read, or the oldest still intact); preferred when present. */
  readNext?(header: Uint8Array, payload: ArrayBufferView, info: Float64Array): ReadStatus;
}

/** An in-memory ring of `slots` frames (latest-wins, like the native one) with readLatest and readNext. */
export class FakeRing implements FrameSource {
  readonly channel: number;
  readonly lines: number;
  readonly samples: number;
  readonly dtype: DType;
  /** Header and payload of the newest frame (what `publish` just wrote). */
  header: Uint8Array;
  payload: Uint8Array;
  seq = 0;
  readonly slots: number;
  #headers: Uint8Array[];
  #payloads: Uint8Array[];
  #lastRead = 0;
  #h = newFrameHeader();
  #seed: number;

  constructor(meta: Pick<ChannelMeta, 'channel' | 'lines' | 'samples' | 'dtype'>, seed = 1, slots = 1) {
    this.channel = meta.channel;
    this.lines = meta.lines;
    this.samples = meta.samples;
    this.dtype = meta.dtype;
    this.slots = slots;
    const n = meta.lines * meta.samples * dtypeSize(meta.dtype);
    this.#headers = Array.from({ length: slots }, () => new Uint8Array(FRAME_HEADER_BYTES));
    this.#payloads = Array.from({ length: slots }, () => new Uint8Array(n));
    this.header = this.#headers[0];
    this.payload = this.#payloads[0];
    this.#seed = seed;
  }

  /**
   * Publish the next frame: header stamps and (fill) a pattern that depends on (seed, channel, seq).
   * Without fill the slot keeps whatever it held (benchmarks prefill every slot once).
   */
  publish(tAcquiredNs: number, fill = true): number {
    this.seq++;
    const k = this.seq % this.slots;
    this.header = this.#headers[k];
    this.payload = this.#payloads[k];
    const h = this.#h;
    h.channel = this.channel; h.flags = FrameFlag.Simulated; h.seq = this.seq;
    h.tAcquiredNs = tAcquiredNs; h.tRingWriteNs = tAcquiredNs + 1000;
    h.lines = this.lines; h.samples = this.samples; h.dtype = this.dtype;
    writeFrameHeader(this.header, h);
    if (fill) fillPattern(this.payload, this.#seed * 7919 + this.channel * 131 + this.seq);
    return this.seq;
  }

  #copy(seq: number, header: Uint8Array, payload: ArrayBufferView, info: Float64Array, gap: number): ReadStatus {
    const k = seq % this.slots;
    header.set(this.#headers[k]);
    new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength).set(this.#payloads[k]);
    info[ReadInfo.gap] = gap;
    info[ReadInfo.seq] = seq;
    info[ReadInfo.latestSeq] = this.seq;
    this.#lastRead = seq;
    return ReadStatus.Frame;
  }

  readLatest(header: Uint8Array, payload: ArrayBufferView, info: Float64Array): ReadStatus {
    if (this.seq === this.#lastRead) return ReadStatus.NoNewFrame;
    return this.#copy(this.seq, header, payload, info, this.#lastRead === 0 ? 0 : this.seq - this.#lastRead - 1);
  }

  readNext(header: Uint8Array, payload: ArrayBufferView, info: Float64Array): ReadStatus {
    if (this.seq === this.#lastRead) return ReadStatus.NoNewFrame;
    const oldest = Math.max(1, this.seq - this.slots + 1);
    const want = Math.max(this.#lastRead + 1, oldest);
    return this.#copy(want, header, payload, info, this.#lastRead === 0 ? 0 : want - this.#lastRead - 1);
  }
}
/** Cheap deterministic fill (xorshift over u32 words): distinct per (key), not compressible. */
export function fillPattern(bytes: Uint8Array, key: number): void {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let x = (key * 2654435761) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    words[i] = x >>> 0;
  }
}
