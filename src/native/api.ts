/**
 * Typed contract of the native driver connector (`build/Release/specula_native.node`).
 * Implemented in C++ under `native/src`; loaded by `loadNative()` in `./load.ts`. Everything that
 * touches shared memory goes through these interfaces. User notes: docs/native.md.
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
  /** Number of slots K (2..1024). Latest-wins: the producer never waits for consumers. */
  slots: number;
  /**
   * Lossless mode (replay, benchmarks): `publish` first waits until a consumer has `ack`ed far
   * enough that the slot is free, at most `losslessTimeoutMs` (default 1000), then publishes anyway.
   * Off by default: live acquisition is latest-wins.
   */
  lossless?: boolean;
  losslessTimeoutMs?: number;
}

/** Options of `openRing`. */
export interface OpenRingOptions {
  /** Heartbeat age after which the producer is considered dead (default 2000 ms). A producer whose
   * process is gone is detected sooner (~100 ms after its last heartbeat). */
  deadAfterMs?: number;
  /**
   * Priority of this consumer's waiter thread (wait/waitRead). Default (undefined or true): SCHED_FIFO
   * when permitted (CAP_SYS_NICE or an rtprio limit), so a busy machine cannot delay the wake-up and
   * copy; otherwise normal priority, silently (`realtime`/`realtimeState` on the consumer say which,
   * after the first wait). `false` opts out; `SPECULA_REALTIME=0` in the environment opts out the
   * whole process and wins over this option. A real-time waiter that ever uses more than half a core
   * (500 ms window) drops back to normal priority for good. See docs/native.md.
   */
  realtime?: boolean;
}

/** Indices into the `Float64Array(READ_INFO_LENGTH)` a consumer fills on every read. */
export const ReadInfo = {
  /** Sequence number of the frame copied (0 when none). */
  seq: 0,
  /** Sequence numbers skipped between the previous read and this one (latest-wins skips + losses). */
  gap: 1,
  /** 1 when the frame wanted was overwritten (while copying, or before readNext got to it) and an
   * older/newer one was taken instead. */
  overrun: 2,
  /** Latest sequence published by the producer at read time. */
  latestSeq: 3,
  /** Producer heartbeat age in ms at read time (large = producer dead or stalled). */
  heartbeatAgeMs: 4,
  /** CLOCK_MONOTONIC ns when the copy into the caller's buffer completed. */
  tCopiedNs: 5,
  /** The copied frame's acquisition time (same as its header's tAcquiredNs), ns; 0 when no frame. */
  tAcquiredNs: 6,
  /** The copied frame's header flags (FrameFlag bits); 0 when no frame. */
  flags: 7,
  /**
   * Optional: only filled when the `info` array has READ_INFO_LENGTH_WITH_CRC elements. CRC-32
   * (zlib's, as `zlib.crc32`) of the copied frame's 64-byte header followed by its payload, computed
   * natively during the copy (PCLMUL-folded, the bytes are read once); -1 when no frame was copied.
   * For recorders that checksum what they write (MCAP chunk CRCs) without a second pass.
   */
  crc32: 8,
} as const;
export const READ_INFO_LENGTH = 8;
/** Length of an `info` array that asks reads for the frame's CRC-32 (`ReadInfo.crc32`). */
export const READ_INFO_LENGTH_WITH_CRC = 9;

/** One buffer set of `RingConsumer.stream`: where a frame's header, payload and ReadInfo land. */
export interface StreamBuffers {
  header: Uint8Array;
  payload: ArrayBufferView;
  info: Float64Array;
}

/** Result codes of `RingConsumer.readLatest`/`readNext` and the `wait` callbacks. */
export enum ReadStatus {
  /** A new frame was copied. */
  Frame = 1,
  /** Nothing newer than the last frame read (producer alive). */
  NoNewFrame = 0,
  /** Timed out waiting (wait only). */
  Timeout = -1,
  /** Producer process gone, or heartbeat older than `deadAfterMs`. Reopen the ring when a new
   * producer has created it again. */
  ProducerDead = -2,
  /** Ring closed by its producer, or this consumer closed. */
  Closed = -3,
}

/** The single writer of a ring. */
export interface RingProducer {
  readonly name: string;
  /** Bytes per slot in shared memory (frame header + payload, page-aligned). */
  readonly slotBytes: number;
  /** Bytes of one frame's payload (lines × samples × dtype size). */
  readonly payloadBytes: number;
  /**
   * Publish one frame: copies `payload` (exactly lines*samples*dtype bytes) into the next slot with
   * a header {channel, flags, seq, tAcquiredNs, tRingWriteNs=now}, bumps the futex word and wakes
   * waiters. `seq` 0 means "next sequence"; a jump sets FrameFlag.SourceGap. Returns the sequence
   * published. Throws RangeError on a wrong payload size or a non-increasing seq.
   */
  publish(payload: ArrayBufferView, tAcquiredNs: number, flags?: number, seq?: number): number;
  /** Refresh the producer heartbeat (publish does it too); call while idle/paused (< deadAfterMs). */
  heartbeat(): void;
  /** Mark closed (consumers get Closed), unmap; with unlink=true (default) also shm_unlink. */
  close(unlink?: boolean): void;
}

/** Any number of readers per ring, in any process. Each keeps its own read position. */
export interface RingConsumer {
  readonly name: string;
  readonly channel: number;
  readonly lines: number;
  readonly samples: number;
  readonly dtype: DType;
  readonly slots: number;
  /** Bytes of one frame's payload; `payload` buffers must hold at least this many. */
  readonly payloadBytes: number;
  /** Process id of the producer that created the ring. */
  readonly ownerPid: number;
  /** True while the waiter thread runs as SCHED_FIFO (default when permitted; see OpenRingOptions.realtime). */
  readonly realtime: boolean;
  /**
   * The waiter thread's priority in words: "SCHED_FIFO 20", "normal priority: SCHED_FIFO not permitted
   * (…)", "… realtime off (option)", "… (SPECULA_REALTIME)", "… demoted …", "pending (no wait yet)".
   * Always present on the native addon (optional for in-process stand-ins).
   */
  readonly realtimeState?: string;
  /**
   * Copy the newest published frame (if newer than the last one read) into `header`
   * (≥ 64 bytes, the frame header of src/shared/frame-header.ts) and `payload`. Never returns a torn
   * frame (per-slot seqlock). Fills `info` (ReadInfo indices; with READ_INFO_LENGTH_WITH_CRC elements
   * also `ReadInfo.crc32`, computed during the copy). Synchronous, non-blocking.
   */
  readLatest(header: Uint8Array, payload: ArrayBufferView, info: Float64Array): ReadStatus;
  /**
   * Like readLatest but in order: the frame after the last one read, or, when it was overwritten,
   * the oldest one still intact (info gap > 0, overrun 1). The first read starts at the oldest
   * intact frame in the ring. For recorders and lossless transfer (with `ack`).
   */
  readNext(header: Uint8Array, payload: ArrayBufferView, info: Float64Array): ReadStatus;
  /**
   * Wait (off the JS thread, on this consumer's own native waiter thread: no libuv pool thread
   * is held) until a frame newer than `afterSeq` is published or `timeoutMs` (0..3600000) elapses,
   * then call `cb(status)` on the JS thread (Frame, Timeout, ProducerDead or Closed). Does not copy:
   * call `readLatest` in `cb`. At most one wait (or waitRead) outstanding per consumer. Pass the same
   * callback each time and waiting allocates nothing. A pending wait keeps the process alive.
   */
  wait(afterSeq: number, timeoutMs: number, cb: (status: ReadStatus) => void): void;
  /**
   * Wait for a frame newer than the last one read and copy the newest into `header`/`payload`/`info`
   * on the waiter thread, then call `cb(status)`: the frame is already in the caller's buffers when
   * `cb` runs (lowest hand-off latency). Do not touch or transfer the three arrays until `cb` runs.
   */
  waitRead(header: Uint8Array, payload: ArrayBufferView, info: Float64Array, timeoutMs: number, cb: (status: ReadStatus) => void): void;
  /**
   * Continuous, latest-wins delivery: from now on this consumer's waiter thread copies every new
   * frame into one of `buffers` (2..8 sets, each its own arrays) as soon as it is published, whether
   * or not the JS thread is free, and calls `cb(status, index)` on the JS thread with the newest one
   * (`index` into `buffers`; `info` of that set describes it, its `gap` counts every frame JS did
   * not see). The set handed to `cb` is yours until the next `cb` call hands out another; the
   * others may be written at any time. Non-frame statuses come with index -1: Timeout (no frame for
   * `timeoutMs`, 1..3600000; the stream goes on), ProducerDead or Closed (the stream ends). Use it
   * when the hand-off must not wait for the JS thread (with `waitRead`, a frame published before JS
   * re-armed waits in the ring until it does). While streaming, reads and waits throw. Keeps the
   * process alive until `stopStream()`/`close()`. Optional for in-process stand-ins.
   */
  stream?(buffers: StreamBuffers[], timeoutMs: number, cb: (status: ReadStatus, index: number) => void): void;
  /** End a stream; when it returns, the waiter thread no longer writes the buffers. No-op otherwise. */
  stopStream?(): void;
  /**
   * Blocking wait on the calling thread (no callback, no waiter thread): returns Frame, Timeout,
   * ProducerDead or Closed. Only for threads/processes that do nothing else (benchmarks, a
   * dedicated recorder worker): it blocks the JS event loop for up to `timeoutMs`.
   */
  waitSync(afterSeq: number, timeoutMs: number): ReadStatus;
  /** Acknowledge frames up to `seq` to a producer in lossless mode (no effect otherwise). */
  ack(seq: number): void;
  /** Latest published sequence (0 before the first frame). */
  latestSeq(): number;
  /** Producer heartbeat age, ms. */
  heartbeatAgeMs(): number;
  /** 0 when the producer is alive, else ReadStatus.ProducerDead or ReadStatus.Closed. */
  status(): number;
  /** Cancel a pending wait (its callback gets Closed), stop the waiter thread, unmap. */
  close(): void;
}

/** One channel a driver produces, and the ring it goes to. */
export interface DriverChannelInfo {
  channel: number;
  lines: number;
  samples: number;
  dtype: DType;
  /** FrameFlag bits the driver sets on every frame of this channel (e.g. Reference). */
  flags: number;
  /** shm name of the channel's ring: ringName(prefix, channel). */
  ring: string;
}

/** Frames routed per channel by the driver host. */
export interface DriverChannelStats {
  channel: number;
  /** Frames published into the ring. */
  published: number;
  /** Frames the driver emitted that the host rejected (unknown channel, wrong size). */
  rejected: number;
}

/** Options of `loadDriver`. */
export interface DriverOptions {
  /** Ring name prefix: one ring per channel named ringName(prefix, channel) (src/shared/device.ts). */
  prefix: string;
  /** Passed verbatim to the driver's open() (JSON by convention; see native/include/specula_driver.h). */
  config?: string;
  /** Slots per ring (default 4). */
  slots?: number;
  /**
   * Priority of the driver's threads that deliver frames: by default each is made SCHED_FIFO at its
   * first callback (emit, begin_frame or heartbeat) when permitted, unless it already chose its own
   * policy; `false` opts out (so does SPECULA_REALTIME=0, which wins). Threads are demoted for good
   * if they use more than half a core. `Driver.realtime`/`realtimeState` report the outcome.
   */
  realtime?: boolean;
}

/**
 * A device driver behind the C ABI of native/include/specula_driver.h, hosted by the connector:
 * the driver's threads emit frames, the host copies them into one ring per channel.
 */
export interface Driver {
  /** The driver's self-reported name. */
  readonly name: string;
  /** True when a thread delivering this driver's frames runs as SCHED_FIFO (known once it called back;
   * the simulated device's `start()` returns after its thread did). */
  readonly realtime?: boolean;
  /** The driver threads' priority in words ("SCHED_FIFO 30", "normal priority: …", "pending …"). */
  readonly realtimeState?: string;
  channels(): DriverChannelInfo[];
  start(): void;
  stop(): void;
  /** Driver-specific command (the simulated device understands "pause", "resume", "stall <ch> <0|1>"). */
  control(command: string): void;
  stats(): DriverChannelStats[];
  /** Stop, close the driver and unlink its rings. Idempotent. */
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
  /**
   * Render each frame into a staging buffer and emit it through the ABI's copying `emit` (like a
   * driver handing over a DMA buffer) instead of rendering straight into the ring slot
   * (`begin_frame`/`commit_frame`, the default). Benchmarks use it to measure the copy path.
   */
  copy?: boolean;
  /**
   * Device thread priority (like a driver's DMA-completion thread): default SCHED_FIFO when permitted,
   * `false` opts out; same policy as DriverOptions.realtime.
   */
  realtime?: boolean;
}

/**
 * The simulated device: the built-in driver behind the same C ABI. Channels are phase-staggered
 * within the frame period. Frame content is a pure function of (seed, geometry, channel, seq).
 */
export interface SimDevice extends Driver {
  start(): void;
  stop(): void;
  /** Pause all channels (heartbeat continues: a paused device is alive, just not producing). */
  pause(): void;
  resume(): void;
  /** Fault switch for tests: stop producing on one channel (stalled=true) or resume it. */
  stall(channel: number, stalled: boolean): void;
  /** Frames published per channel so far. */
  stats(): DriverChannelStats[];
  /** Stop and unlink all rings. */
  close(): void;
}

/** Result of `realtimeProbe()`. */
export interface RealtimeProbe {
  permitted: boolean;
  /** The OS reason when not permitted ('' when permitted). */
  reason: string;
  /** SPECULA_REALTIME is 0/off/false/no: threads stay at normal priority whatever their options say. */
  disabledByEnv: boolean;
}

/** The native module's exports. */
export interface NativeModule {
  /** CLOCK_MONOTONIC in ns as a JS number (exact below 2^53). */
  monotonicNs(): number;
  createRing(opts: RingOptions): RingProducer;
  openRing(name: string, opts?: OpenRingOptions): RingConsumer;
  /** Remove stale rings with this name prefix whose owning process no longer exists; returns names removed. */
  reclaimStaleRings(prefix: string): string[];
  createSimDevice(opts: SimDeviceOptions): SimDevice;
  /** dlopen a driver .so implementing native/include/specula_driver.h and open it with `opts.config`. */
  loadDriver(path: string, opts: DriverOptions): Driver;
  /**
   * May this process's threads use SCHED_FIFO (a short-lived thread tries), why not, and whether
   * SPECULA_REALTIME opts out. Always present on the native addon (optional for stand-ins).
   */
  realtimeProbe?(): RealtimeProbe;
  /**
   * Benchmark peer of the ring's lossless throughput (bench:ring only): two native threads move
   * `frameBytes` frames through `slots` slots with one memcpy on each side and a spin hand-off,
   * nothing else, for `seconds` (blocks the caller). Optional for stand-ins.
   */
  copyPipelinePeer?(frameBytes: number, slots: number, seconds: number): { frames: number; seconds: number; gbytePerSec: number };
  /** Offsets of the frame header as compiled into C++ (tests compare them with src/shared). */
  frameHeaderLayout(): Record<string, number>;
}
