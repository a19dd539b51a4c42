/**
 * The recorder: reads channel rings like any other consumer and streams raw frames into an MCAP
 * file (./mcap-frame-writer.ts).
 *
 * It can never block acquisition: the device writes rings from its own thread and never waits for
 * readers. The recorder polls each ring (non-blocking `readNext`, in order, so a stall of the event
 * loop shorter than the ring's depth loses nothing; `readLatest` for sources without it) into a
 * bounded, preallocated pool of frame slots per channel. A slot returns to its pool once its chunk is on its way to disk. When the disk falls
 * behind, the pool runs dry, the recorder stops reading that ring, and the frames the ring moves on
 * past show up as a sequence gap at the next read: they are counted per channel as dropped-to-disk,
 * shown in `status()` and stored in the file at stop.
 *
 * Nothing is allocated per frame on this side: slots, their views and DataViews are made at start.
 */
import { FRAME_HEADER_BYTES, FH, dtypeSize } from '../../shared/frame-header';
import { READ_INFO_LENGTH, READ_INFO_LENGTH_WITH_CRC, ReadInfo, ReadStatus } from '../../native/api';
import { McapFrameWriter, type FrameRef } from './mcap-frame-writer';
import type { ChannelExtraMeta, ChannelMeta, ChannelStats, SessionMeta } from './format';
import type { Compression } from './compression';
import type { RecorderState, RecorderStatus } from '../../shared/recording';
import type { FrameSource } from './synthetic-frames';

export type { FrameSource } from './synthetic-frames';

export interface RecorderOptions {
  path: string;
  /** Rings to record (any subset of channels, including the reference channel). */
  sources: readonly FrameSource[];
  /** Labels / reference flags per channel (default: "ch<N>", reference when flagged here). */
  labels?: ReadonlyMap<number, string>;
  referenceChannels?: ReadonlySet<number>;
  channelExtra?: ReadonlyMap<number, ChannelExtraMeta>;
  appVersion?: string;
  operatorNote?: string;
  device?: Record<string, unknown>;
  compression?: Compression;
  chunkBytes?: number;
  maxChunkMs?: number;
  /** Chunk CRCs (default true). */
  chunkCrc?: boolean;
  /**
   * Take each frame's CRC-32 from the ring copy (ReadInfo.crc32, computed natively while copying;
   * default true). false: the writer CRCs every frame in a second pass (benchmarks compare the two).
   */
  ringCrc?: boolean;
  /** Memory for queued frames across channels (default 512 MiB; 3..256 frames per channel). */
  queueBytes?: number;
  /** Ring polling period, ms (default 2). */
  pollMs?: number;
  /** Frames acquired before this CLOCK_MONOTONIC time are skipped (default: the start; rings may hold older ones). */
  acceptFramesFromNs?: number;
  /** Do not start the polling timer (tests and benchmarks drive `poll()` themselves). */
  manualPoll?: boolean;
}

export type { RecorderState, RecorderStatus, RecorderChannelStatus } from '../../shared/recording';

interface Slot extends FrameRef {
  header: Uint8Array;
  payload: Uint8Array;
  dv: DataView;
}

interface ChannelState {
  source: FrameSource;
  free: Slot[];
  total: number;
  recorded: number;
  dropped: number;
  started: boolean;
}

const TWO32 = 4294967296;

/** CLOCK_MONOTONIC ns (libuv's hrtime is CLOCK_MONOTONIC on Linux: the device's clock). */
export function monotonicNowNs(): number {
  return Number(process.hrtime.bigint());
}

export class Recorder {
  readonly path: string;
  #writer: McapFrameWriter;
  #channels: ChannelState[] = [];
  // With the CRC slot: native rings compute each frame's CRC-32 during the copy (ReadInfo.crc32),
  // which the writer combines into chunk CRCs instead of re-reading the frame.
  #info: Float64Array;
  #timer: NodeJS.Timeout | null = null;
  #state: RecorderState = 'recording';
  #error: string | null = null;
  #t0Ms: number;
  #startedAt: string;
  #stopMs = 0;
  #startMonoNs = 0;
  #stopping: Promise<RecorderStatus> | null = null;

  private constructor(path: string, writer: McapFrameWriter, channels: ChannelState[], startedAt: string, ringCrc: boolean) {
    this.path = path;
    this.#info = new Float64Array(ringCrc ? READ_INFO_LENGTH_WITH_CRC : READ_INFO_LENGTH);
    this.#writer = writer;
    this.#channels = channels;
    this.#t0Ms = performance.now();
    this.#startedAt = startedAt;
  }

  /** Create the file, write its metadata and start polling the rings. */
  static async start(o: RecorderOptions): Promise<Recorder> {
    if (o.sources.length === 0) throw new Error('record: no channels selected');
    const metas: ChannelMeta[] = o.sources.map((s) => ({
      channel: s.channel, lines: s.lines, samples: s.samples, dtype: s.dtype,
      label: o.labels?.get(s.channel) ?? `ch${s.channel}`, reference: o.referenceChannels?.has(s.channel) ?? false,
    }));
    const frameBytes = metas.map((m) => FRAME_HEADER_BYTES + m.lines * m.samples * dtypeSize(m.dtype));
    const perSet = frameBytes.reduce((a, b) => a + b, 0);
    const slotsPerChannel = Math.min(256, Math.max(3, Math.floor((o.queueBytes ?? 512 * 1024 * 1024) / perSet)));
    const startedAt = new Date();
    const mono = monotonicNowNs();
    const session: SessionMeta = {
      appVersion: o.appVersion ?? 'unknown', startTime: startedAt.toISOString(), operatorNote: o.operatorNote ?? '',
      device: o.device ?? {}, epochNsAtStart: String(BigInt(startedAt.getTime()) * 1_000_000n), monoNsAtStart: String(mono),
    };
    const writer = await McapFrameWriter.create({
      path: o.path, channels: metas, session, channelExtra: o.channelExtra, compression: o.compression,
      chunkBytes: o.chunkBytes, maxChunkMs: o.maxChunkMs, chunkCrc: o.chunkCrc, library: `specula ${session.appVersion}`,
    });
    const channels: ChannelState[] = o.sources.map((source, k) => {
      const st: ChannelState = { source, free: [], total: slotsPerChannel, recorded: 0, dropped: 0, started: false };
      for (let i = 0; i < slotsPerChannel; i++) {
        const bytes = new Uint8Array(frameBytes[k]);
        const slot: Slot = {
          bytes, header: bytes.subarray(0, FRAME_HEADER_BYTES), payload: bytes.subarray(FRAME_HEADER_BYTES),
          dv: new DataView(bytes.buffer), channel: source.channel, seq: 0, tAcquiredNs: 0, tRingWriteNs: 0, crc32: -1,
          release: () => { st.free.push(slot); },
        };
        st.free.push(slot);
      }
      return st;
    });
    const r = new Recorder(o.path, writer, channels, session.startTime, o.ringCrc ?? true);
    r.#startMonoNs = o.acceptFramesFromNs ?? mono;
    if (!o.manualPoll) {
      r.#timer = setInterval(() => r.poll(), o.pollMs ?? 2);
      r.#timer.unref?.();
    }
    return r;
  }

  /** Read every ring once (non-blocking) and queue new frames; returns frames taken. */
  poll(): number {
    if (this.#state !== 'recording') return 0;
    const now = performance.now();
    const info = this.#info;
    let taken = 0;
    for (const c of this.#channels) {
      const src = c.source;
      // In order with readNext (catches up on up to the ring's slots after a stall), else the newest.
      for (;;) {
        const slot = c.free.pop();
        if (!slot) break; // disk behind: leave the ring alone, the gap is counted at the next read
        if (info.length > ReadInfo.crc32) info[ReadInfo.crc32] = -1; // stays -1 for sources that do not compute it
        const st = src.readNext ? src.readNext(slot.header, slot.payload, info) : src.readLatest(slot.header, slot.payload, info);
        if (st !== ReadStatus.Frame) { c.free.push(slot); break; }
        const dv = slot.dv;
        slot.tAcquiredNs = dv.getUint32(FH.tAcquiredNs + 4, true) * TWO32 + dv.getUint32(FH.tAcquiredNs, true);
        if (slot.tAcquiredNs < this.#startMonoNs) { c.free.push(slot); continue; } // from before the start
        if (c.started) c.dropped += info[ReadInfo.gap];
        c.started = true;
        slot.seq = dv.getUint32(FH.seq + 4, true) * TWO32 + dv.getUint32(FH.seq, true);
        slot.tRingWriteNs = dv.getUint32(FH.tRingWriteNs + 4, true) * TWO32 + dv.getUint32(FH.tRingWriteNs, true);
        slot.crc32 = info.length > ReadInfo.crc32 ? info[ReadInfo.crc32] : -1;
        try {
          this.#writer.add(slot, now);
        } catch (e) {
          this.#fail(e);
          return taken;
        }
        c.recorded++;
        taken++;
        if (!src.readNext) break;
      }
    }
    this.#writer.tick(now);
    if (this.#writer.error) this.#fail(this.#writer.error);
    return taken;
  }

  #fail(e: unknown): void {
    this.#error = e instanceof Error ? e.message : String(e);
    this.#state = 'failed';
    this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#stopMs = performance.now();
  }

  status(): RecorderStatus {
    const running = this.#state === 'recording';
    let rec = 0;
    let drop = 0;
    const channels = this.#channels.map((c) => {
      rec += c.recorded;
      drop += c.dropped;
      return { channel: c.source.channel, recorded: c.recorded, dropped: c.dropped, queued: c.total - c.free.length };
    });
    return {
      state: this.#state, path: this.path, startedAt: this.#startedAt,
      elapsedMs: (running ? performance.now() : this.#stopMs) - this.#t0Ms,
      bytes: this.#writer.bytesWritten, framesRecorded: rec, framesDropped: drop, channels, error: this.#error,
    };
  }

  /** Push every frame taken so far to the file (closes the open chunk); the recording goes on. */
  async flush(): Promise<void> {
    await this.#writer.flush();
  }

  /** Stop polling, write what is queued, the stats and the index; resolves with the final status. Idempotent. */
  stop(): Promise<RecorderStatus> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<RecorderStatus> {
    if (this.#state === 'recording') {
      this.#state = 'stopping';
      this.#stopTimer();
    }
    const stats: ChannelStats[] = this.#channels.map((c) => ({ channel: c.source.channel, recorded: c.recorded, dropped: c.dropped }));
    try {
      await this.#writer.close(stats);
      if (this.#state === 'stopping') this.#state = 'stopped';
    } catch (e) {
      this.#error ??= e instanceof Error ? e.message : String(e);
      this.#state = 'failed';
    }
    return this.status();
  }
}
