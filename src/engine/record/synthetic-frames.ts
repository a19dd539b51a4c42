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
}

/** A single-slot in-memory "ring" holding the newest frame. */
export class FakeRing implements FrameSource {
  readonly channel: number;
  readonly lines: number;
  readonly samples: number;
  readonly dtype: DType;
  readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  readonly payload: Uint8Array;
  seq = 0;
  #lastRead = 0;
  #h = newFrameHeader();
  #seed: number;

  constructor(meta: Pick<ChannelMeta, 'channel' | 'lines' | 'samples' | 'dtype'>, seed = 1) {
    this.channel = meta.channel;
    this.lines = meta.lines;
    this.samples = meta.samples;
    this.dtype = meta.dtype;
    this.payload = new Uint8Array(meta.lines * meta.samples * dtypeSize(meta.dtype));
    this.#seed = seed;
  }

  /** Publish the next frame: header stamps and a pattern that depends on (seed, channel, seq). */
  publish(tAcquiredNs: number, fill = true): number {
    this.seq++;
    const h = this.#h;
    h.channel = this.channel; h.flags = FrameFlag.Simulated; h.seq = this.seq;
    h.tAcquiredNs = tAcquiredNs; h.tRingWriteNs = tAcquiredNs + 1000;
    h.lines = this.lines; h.samples = this.samples; h.dtype = this.dtype;
    writeFrameHeader(this.header, h);
    if (fill) fillPattern(this.payload, this.#seed * 7919 + this.channel * 131 + this.seq);
    return this.seq;
  }

  readLatest(header: Uint8Array, payload: ArrayBufferView, info: Float64Array): ReadStatus {
    if (this.seq === this.#lastRead) return ReadStatus.NoNewFrame;
    header.set(this.header);
    new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength).set(this.payload);
    info[ReadInfo.gap] = this.#lastRead === 0 ? 0 : this.seq - this.#lastRead - 1;
    info[ReadInfo.seq] = this.seq;
    info[ReadInfo.latestSeq] = this.seq;
    this.#lastRead = this.seq;
    return ReadStatus.Frame;
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
