/**
 * Replay driver: feeds a recording into the live rings (through a `ReplaySink`, normally native
 * `RingProducer`s) so the channel workers, the UI and latency accounting run unchanged. Frames are
 * stamped as acquired *now* (flag `FrameFlag.Replay` added); ring sequence numbers are the ring's own,
 * so seeking backwards never looks like time travel to consumers.
 *
 * Timing: a playback clock `position = anchorPos + (now − anchorWall) × speed`; every tick publishes,
 * per channel, the frames whose recorded time has come. Speed 0.1×–8×, or `'max'` (as fast as
 * possible: frames in recorded order, back to back). Seek/step use the per-channel frame tables
 * built from the MCAP index (binary search, no scan). A loop range wraps playback. All operations
 * go through one queue, so a seek issued while a frame is being read never interleaves with it.
 */
import { FH, FRAME_HEADER_BYTES, FrameFlag } from '../../shared/frame-header';
import { Recording, type ChannelFrames } from '../record/recording';
import type { ReplaySink } from './replay-sink';
import { REPLAY_MAX_SPEED, REPLAY_MIN_SPEED, type ReplayPlayState, type ReplaySpeed, type ReplayState } from '../../shared/recording';

export type { ReplaySpeed, ReplayPlayState, ReplayState } from '../../shared/recording';

export interface ReplayOptions {
  speed?: ReplaySpeed;
  /** Channel whose frames define "one frame" for stepping (default: first non-reference channel). */
  primaryChannel?: number;
  /** Start playing at once (default false: paused on the first frame). */
  autoplay?: boolean;
  /** Called on every state change (play/pause/seek/end), not per frame. */
  onState?: (s: ReplayState) => void;
  /** Monotonic clock in ns for frame stamps (default process.hrtime). */
  nowNs?: () => number;
}

const MIN_SPEED = REPLAY_MIN_SPEED;
const MAX_SPEED = REPLAY_MAX_SPEED;

function validSpeed(s: ReplaySpeed): ReplaySpeed {
  if (s === 'max') return s;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < MIN_SPEED || s > MAX_SPEED) throw new RangeError(`replay: speed must be ${MIN_SPEED}..${MAX_SPEED} or 'max', got ${String(s)}`);
  return s;
}

export class ReplayController {
  readonly recording: Recording;
  #sink: ReplaySink;
  #opts: ReplayOptions;
  #nowNs: () => number;
  #state: ReplayPlayState = 'paused';
  #speed: ReplaySpeed;
  #pos = 0;
  #anchorPos = 0;
  #anchorWall = 0;
  #loop: { startNs: number; endNs: number } | null = null;
  #primary: ChannelFrames;
  /** per channel: index of the last frame published (−1 = none) */
  #last: Int32Array;
  /** per channel: ring sequence number of the last frame published (0 = none / sink without seqs) */
  #ringSeq: Float64Array;
  #published = 0;
  #error: string | null = null;
  #queue: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #heartbeat: NodeJS.Timeout | null = null;

  private constructor(rec: Recording, sink: ReplaySink, o: ReplayOptions) {
    this.recording = rec;
    this.#sink = sink;
    this.#opts = o;
    this.#nowNs = o.nowNs ?? (() => Number(process.hrtime.bigint()));
    this.#speed = validSpeed(o.speed ?? 1);
    const withFrames = rec.channels.filter((c) => c.count > 0);
    if (withFrames.length === 0) throw new Error(`replay: ${rec.path} holds no frames`);
    const primary = o.primaryChannel !== undefined ? rec.channel(o.primaryChannel) : withFrames.find((c) => !c.meta.reference) ?? withFrames[0];
    if (!primary || primary.count === 0) throw new Error(`replay: channel ${String(o.primaryChannel)} has no frames in ${rec.path}`);
    this.#primary = primary;
    this.#last = new Int32Array(rec.channels.length).fill(-1);
    this.#ringSeq = new Float64Array(rec.channels.length);
  }

  /** Open `path`, show its first frame on every channel, and (optionally) start playing. */
  static async open(path: string, sink: ReplaySink, o: ReplayOptions = {}): Promise<ReplayController> {
    const rec = await Recording.open(path);
    let c: ReplayController;
    try {
      c = new ReplayController(rec, sink, o);
    } catch (e) {
      await rec.close();
      throw e;
    }
    // A paused replay is a live device that is not producing: keep the rings' heartbeat fresh so
    // consumers do not declare the producer dead.
    if (sink.heartbeat) {
      c.#heartbeat = setInterval(() => sink.heartbeat?.(), 200);
      c.#heartbeat.unref();
    }
    try {
      await c.#run(async () => {
        await c.#seekTo(0);
        // Show every channel's first frame at once (some start a little after the primary one).
        const chans = c.recording.channels;
        for (let k = 0; k < chans.length; k++) if (c.#last[k] < 0 && chans[k].count > 0) await c.#publish(k, chans[k], 0);
      });
    } catch (e) {
      if (c.#heartbeat) clearInterval(c.#heartbeat);
      await rec.close();
      throw e;
    }
    if (o.autoplay) c.play();
    return c;
  }

  state(): ReplayState {
    const r = this.recording;
    return {
      path: r.path, state: this.#state, speed: this.#speed, positionNs: this.#pos, durationNs: r.durationNs, loop: this.#loop,
      frameIndex: r.frameAtOrBefore(this.#primary, this.#pos), frameCount: this.#primary.count, primaryChannel: this.#primary.meta.channel,
      channels: r.channels.map((c) => ({ channel: c.meta.channel, label: c.meta.label, frames: c.count, reference: c.meta.reference })),
      framesPublished: this.#published, warning: r.warning, error: this.#error,
    };
  }

  /** Index of the frame of `channel` last published (−1 when none yet / unknown channel). */
  currentFrame(channel: number): number {
    const k = this.recording.channels.findIndex((c) => c.meta.channel === channel);
    return k < 0 ? -1 : this.#last[k];
  }

  /**
   * Ring sequence number of the frame of `channel` last published (0 when none, or when the sink
   * does not report sequence numbers). Display frames carry it, so it maps a display frame back to
   * `currentFrame(channel)`: a refresh or a step publishes the frame again under a new number.
   */
  ringSeq(channel: number): number {
    const k = this.recording.channels.findIndex((c) => c.meta.channel === channel);
    return k < 0 ? 0 : this.#ringSeq[k];
  }

  play(): void {
    if (this.#state === 'closed' || this.#state === 'error') return;
    if (this.#state === 'ended') void this.#run(() => this.#seekTo(this.#loop?.startNs ?? 0));
    this.#state = 'playing';
    this.#anchor();
    this.#emit();
    this.#schedule(0);
  }

  pause(): void {
    if (this.#state !== 'playing') return;
    this.#pos = this.#clock();
    this.#state = 'paused';
    this.#stopTimer();
    this.#emit();
  }

  setSpeed(s: ReplaySpeed): void {
    const v = validSpeed(s);
    if (this.#state === 'playing') this.#pos = this.#clock();
    this.#speed = v;
    this.#anchor();
    this.#emit();
  }

  /** Loop playback over [startNs, endNs] (clamped to the recording); null clears the loop. */
  setLoop(range: { startNs: number; endNs: number } | null): void {
    if (range) {
      const a = Math.max(0, Math.min(range.startNs, range.endNs));
      const b = Math.min(this.recording.durationNs, Math.max(range.startNs, range.endNs));
      if (!(b > a)) throw new RangeError(`replay: empty loop range ${range.startNs}..${range.endNs}`);
      this.#loop = { startNs: a, endNs: b };
    } else this.#loop = null;
    this.#emit();
  }

  /** Jump to `tNs` (clamped) and publish each channel's frame at that time. Keeps play/pause. */
  seek(tNs: number): Promise<void> {
    if (!Number.isFinite(tNs)) return Promise.reject(new RangeError(`replay: seek time must be a number, got ${tNs}`));
    return this.#run(() => this.#seekTo(Math.max(0, Math.min(this.recording.durationNs, tNs))));
  }

  toStart(): Promise<void> { return this.seek(this.#loop?.startNs ?? 0); }
  toEnd(): Promise<void> { return this.seek(this.#loop?.endNs ?? this.recording.durationNs); }

  /** Pause and move ±n frames of the primary channel, publishing every channel's frame at that time. */
  step(n: number): Promise<void> {
    if (!Number.isInteger(n) || n === 0) return Promise.reject(new RangeError(`replay: step must be a non-zero integer, got ${n}`));
    this.pause();
    return this.#run(async () => {
      const cur = this.recording.frameAtOrBefore(this.#primary, this.#pos);
      const i = Math.max(0, Math.min(this.#primary.count - 1, cur + n));
      await this.#seekTo(this.#primary.timeNs[i]);
      if (this.#state === 'ended') this.#state = 'paused';
    });
  }

  /**
   * Publish the current frame of every channel again (e.g. after a channel's cascade changed while
   * paused: the workers reprocess exactly the same frames).
   */
  refresh(): Promise<void> {
    return this.#run(async () => {
      const chans = this.recording.channels;
      for (let k = 0; k < chans.length; k++) if (this.#last[k] >= 0) await this.#publish(k, chans[k], this.#last[k]);
    });
  }

  async close(): Promise<void> {
    this.#stopTimer();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    this.#state = 'closed';
    await this.#queue.catch(() => undefined);
    await this.recording.close();
    this.#sink.close();
    this.#emit();
  }

  /** Resolves once every queued operation (and the frames it publishes) is done. */
  idle(): Promise<void> {
    return this.#queue;
  }

  // --- internals ---

  #clock(): number {
    if (this.#state !== 'playing' || this.#speed === 'max') return this.#pos;
    return this.#anchorPos + ((this.#nowNs() - this.#anchorWall) * this.#speed);
  }

  #anchor(): void {
    this.#anchorPos = this.#pos;
    this.#anchorWall = this.#nowNs();
  }

  #emit(): void {
    this.#opts.onState?.(this.state());
  }

  #run(fn: () => Promise<void>): Promise<void> {
    const p = this.#queue.then(fn);
    this.#queue = p.catch((e: unknown) => {
      this.#error = e instanceof Error ? e.message : String(e);
      this.#state = 'error';
      this.#stopTimer();
      this.#emit();
    });
    return p;
  }

  #stopTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }

  #schedule(ms: number): void {
    this.#stopTimer();
    this.#timer = setTimeout(() => { this.#timer = null; void this.#run(() => this.#tick()); }, ms);
  }

  async #publish(ci: number, ch: ChannelFrames, i: number): Promise<void> {
    const bytes = await this.recording.readFrame(ch, i);
    // Keep the recorded flags (reference, simulated...), mark as replayed.
    const flags = (bytes[FH.flags] | (bytes[FH.flags + 1] << 8) | (bytes[FH.flags + 2] << 16) | (bytes[FH.flags + 3] << 24)) >>> 0;
    const seq = this.#sink.publish(ch.meta.channel, bytes.subarray(FRAME_HEADER_BYTES), this.#nowNs(), (flags | FrameFlag.Replay) & ~FrameFlag.Overrun);
    this.#last[ci] = i;
    if (typeof seq === 'number') this.#ringSeq[ci] = seq;
    this.#published++;
  }

  async #seekTo(t: number): Promise<void> {
    const chans = this.recording.channels;
    for (let k = 0; k < chans.length; k++) {
      const i = this.recording.frameAtOrBefore(chans[k], t);
      if (i >= 0 && i !== this.#last[k]) await this.#publish(k, chans[k], i);
      else this.#last[k] = i;
    }
    this.#pos = t;
    this.#anchor();
    if (this.#state === 'ended' && t < this.#endOfRange()) this.#state = 'paused';
    this.#emit();
  }

  #endOfRange(): number {
    return this.#loop?.endNs ?? this.recording.durationNs;
  }

  async #tick(): Promise<void> {
    if (this.#state !== 'playing') return;
    const chans = this.recording.channels;
    const end = this.#endOfRange();
    if (this.#speed === 'max') {
      // Next frame in recorded order across channels.
      let best = -1;
      let bestT = Infinity;
      for (let k = 0; k < chans.length; k++) {
        const n = this.#last[k] + 1;
        if (n < chans[k].count && chans[k].timeNs[n] < bestT) { bestT = chans[k].timeNs[n]; best = k; }
      }
      if (best < 0 || bestT > end) return this.#atEnd();
      await this.#publish(best, chans[best], this.#last[best] + 1);
      this.#pos = bestT;
      this.#immediate = setImmediate(() => { this.#immediate = null; void this.#run(() => this.#tick()); });
      return;
    }
    const now = Math.min(this.#clock(), end);
    let nextDue = Infinity;
    for (let k = 0; k < chans.length; k++) {
      const ch = chans[k];
      const i = this.recording.frameAtOrBefore(ch, now);
      // Publish only the newest due frame per channel: rings are latest-wins anyway, and a late
      // tick must not burst stale frames into the pipeline.
      if (i > this.#last[k]) await this.#publish(k, ch, i);
      const n = this.#last[k] + 1;
      if (n < ch.count) nextDue = Math.min(nextDue, ch.timeNs[n]);
    }
    this.#pos = now;
    if (now >= end || nextDue === Infinity) return this.#atEnd();
    const waitMs = Math.max(0, (Math.min(nextDue, end) - this.#clock()) / 1e6 / (this.#speed as number));
    this.#schedule(Math.min(waitMs, 100));
  }

  async #atEnd(): Promise<void> {
    if (this.#loop) {
      await this.#seekTo(this.#loop.startNs);
      this.#schedule(0);
      return;
    }
    this.#pos = this.recording.durationNs;
    this.#state = 'ended';
    this.#stopTimer();
    this.#emit();
  }
}
