/**
 * Typed contract of the native driver connector (`build/Release/specula_native.node`).
 * Implemented in C++ under `native/src`; loaded by `loadNative()` in `./load.ts`. Everything that
 * touches shared memory goes through these interfaces.
 *
 * Hot-path rule: reading a frame allocates nothing. The consumer copies the slot's frame header and
 * payload into caller-owned, preallocated typed arrays (no external ArrayBuffers: Electron's V8
 * memory cage forbids them) and reports status in a caller-owned `Float64Array` (`ReadInfo`).
 */
import type { DType } from '../shared/frame-header';

/** Geometry and capacity of a ring, fixed at creation. */
export interface RingOptions {
  /** POSIX shm name, e.g. from `ringName(prefix, channel)` in src/shared/device.ts. */
  name: string;
  channel: number;
  lines: number;
  samples: number;
  dtype: DType;
  /** Number of slots K (≥ 2). Latest-wins: the producer never waits for consumers. */
  slots: number;
}

/** Indices into the `Float64Array(READ_INFO_LENGTH)` a consumer fills on every read. */
export const ReadInfo = {
  /** Sequence number of the frame copied (0 when none). */
  seq: 0,
  /** Sequence numbers skipped between the previous read and this one (latest-wins skips + losses). */
  gap: 1,
  /** 1 when the slot wanted was overwritten while copying and an older/newer one was taken instead. */
  overrun: 2,
  /** Latest sequence published by the producer at read time. */
  latestSeq: 3,
  /** Producer heartbeat age in ms at read time (large = producer dead or stalled). */
  heartbeatAgeMs: 4,
  /** CLOCK_MONOTONIC ns when the copy into the caller's buffer completed. */
  tCopiedNs: 5,
} as const;
export const READ_INFO_LENGTH = 8;

/** Result codes of `RingConsumer.readLatest` and the `wait` callback. */
export enum ReadStatus {
  /** A new frame was copied. */
  Frame = 1,
  /** Nothing newer than the last frame read. */
  NoNewFrame = 0,
  /** Timed out waiting (wait only). */
  Timeout = -1,
  /** Producer heartbeat older than the dead threshold: producer considered dead. */
  ProducerDead = -2,
  /** Ring closed/unlinked. */
  Closed = -3,
}

/** The single writer of a ring. */
export interface RingProducer {
  readonly name: string;
  readonly slotBytes: number;
  /**
   * Publish one frame: copies `payload` (exactly lines*samples*dtype bytes) into the next slot with
   * a header {channel, flags, seq, tAcquiredNs, tRingWriteNs=now}, bumps the futex word and wakes
   * waiters. `seq` 0 means "next sequence". Returns the sequence published.
   */
  publish(payload: ArrayBufferView, tAcquiredNs: number, flags?: number, seq?: number): number;
  /** Refresh the producer heartbeat (publish does it too); call while idle/paused. */
  heartbeat(): void;
  /** Unmap; with unlink=true (default) also shm_unlink the segment. */
  close(unlink?: boolean): void;
}

/** Any number of readers per ring, in any process. */
export interface RingConsumer {
  readonly name: string;
  readonly channel: number;
  readonly lines: number;
  readonly samples: number;
  readonly dtype: DType;
  readonly slots: number;
  /**
   * Copy the newest published frame (if newer than the last one read) into `header`
   * (≥ 64 bytes, the frame header of src/shared/frame-header.ts) and `payload`. Never returns a torn
   * frame (per-slot seqlock). Fills `info` (ReadInfo indices). Synchronous, non-blocking.
   */
  readLatest(header: Uint8Array, payload: ArrayBufferView, info: Float64Array): ReadStatus;
  /**
   * Wait (off the JS thread) until a frame newer than `afterSeq` is published or `timeoutMs`
   * elapses, then call `cb(status)` on the JS thread. Does not copy: call `readLatest` in `cb`.
   * At most one wait outstanding per consumer. The callback is reused, so waiting allocates nothing.
   */
  wait(afterSeq: number, timeoutMs: number, cb: (status: ReadStatus) => void): void;
  /** Latest published sequence (0 before the first frame). */
  latestSeq(): number;
  /** Producer heartbeat age, ms. */
  heartbeatAgeMs(): number;
  close(): void;
}

/** Configuration of the built-in simulated device (a native thread per device, like a DMA engine). */
export interface SimDeviceOptions {
  /** Ring name prefix (see ringName); rings are created by the device. */
  prefix: string;
  /** Optical channels 0..channels-1 (plus the hum reference channel REFERENCE_CHANNEL_ID if reference). */
  channels: number;
  lines?: number; // default 600
  samples?: number; // default 1024
  fps?: number; // default 30
  seed?: number; // default 12345
  slots?: number; // default 4
  /** Also produce the hum reference channel (default true). */
  reference?: boolean;
}

/** The simulated device. Channels are phase-staggered within the frame period. */
export interface SimDevice {
  start(): void;
  stop(): void;
  /** Pause all channels (heartbeat continues: a paused device is alive, just not producing). */
  pause(): void;
  resume(): void;
  /** Fault switch for tests: stop producing on one channel (stalled=true) or resume it. */
  stall(channel: number, stalled: boolean): void;
  /** Frames published per channel so far. */
  stats(): { channel: number; published: number }[];
  /** Stop and unlink all rings. */
  close(): void;
}

/** The native module's exports. */
export interface NativeModule {
  /** CLOCK_MONOTONIC in ns as a JS number (exact below 2^53). */
  monotonicNs(): number;
  createRing(opts: RingOptions): RingProducer;
  openRing(name: string): RingConsumer;
  /** Remove stale rings with this name prefix whose owning process no longer exists; returns names removed. */
  reclaimStaleRings(prefix: string): string[];
  createSimDevice(opts: SimDeviceOptions): SimDevice;
  /** Offsets of the frame header as compiled into C++ (tests compare them with src/shared). */
  frameHeaderLayout(): Record<string, number>;
}
