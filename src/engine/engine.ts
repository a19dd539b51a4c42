/**
 * The engine facade: simulated device + rings + one supervised cascade process per channel +
 * health + display frames. The same object serves the headless CLI (`specula run`), the web host
 * (`specula serve`, src/host/server) and Electron main.
 *
 * ```ts
 * const engine = await Engine.start({ channels: 4, cascade });     // workers are up and running
 * engine.onHealth((h) => bridge.broadcastHealth(h));                // a few times a second
 * engine.onDisplayFrame((f) => {                                   // relay mode (web / headless)
 *   f.retain();                                                     // keep the bytes past this call
 *   ws.send(f.bytes, { binary: true }, () => f.release());          // one copy shm → this buffer
 * });
 * await engine.setCascade(2, edited).catch((e) => showError(e.message)); // old cascade keeps running
 * await engine.stop();                                              // no process, no /dev/shm left
 * ```
 *
 * Display modes: `relay` (default) — workers write display frames to their own output shm ring and
 * the engine delivers them through `onDisplayFrame`; `port` — Electron: each worker posts frames on
 * a MessagePort from `displayPort(channel)` straight to the renderer, and `onDisplayFrame` stays
 * silent; `none` — frames are built but not delivered (benchmarks).
 *
 * Source switch (replay inside the live app): `openReplay(path)` stops the simulated device and the
 * workers, creates rings for the recording's channels under the same prefix (`ringSink`), restarts
 * one worker per recorded optical channel on them and hands back the `ReplayController` — the
 * replay driver is then the device: workers, display relay / ports, health and latency stamps run
 * unchanged. `info.channels` and health follow the recording's channel set. `closeReplay()` brings
 * the simulated device and the live channels back.
 */
import type { CascadeSpec, FrameShape } from '../shared/cascade-spec';
import { DType } from '../shared/frame-header';
import { DEFAULT_FPS, DEFAULT_LINES, DEFAULT_SAMPLES, REFERENCE_CHANNEL_ID, ringName } from '../shared/device';
import type { ChannelHealth } from '../shared/health';
import { validateCascade } from '../cascade/validate';
import type { NativeModule, SimDevice } from '../native/api';
import { loadNative } from '../native/load';
import { realtimeWanted } from '../native/realtime-env';
import type { DisplayMode, ProcessorPath, WorkerStats } from '../workers/protocol';
import { DisplayRelay, type DisplayFrameLease, type RelayStats } from './display-relay';
import type { ChannelLauncher } from './launcher';
import { NodeChannelLauncher } from './launcher-node';
import { unlinkShm } from './shm-cleanup';
import { Supervisor } from './supervisor';
import type { ChannelMeta } from './record/format';
import { Recording } from './record/recording';
import { ReplayController, type ReplayOptions } from './replay/replay-controller';
import { ringSink, type ReplaySink } from './replay/replay-sink';

export type { DisplayFrameLease } from './display-relay';

export interface EngineOptions {
  /** Optical channels 0..channels-1 (1..64). */
  channels: number;
  /** The cascade every channel starts with, or one per channel. */
  cascade: CascadeSpec | ((channel: number) => CascadeSpec);
  /** Device frame rate per channel (default 30). */
  fps?: number;
  /** Frame geometry (default 600 × 1024 uint16). */
  lines?: number;
  samples?: number;
  /** Ring slots per channel (default 4). */
  slots?: number;
  seed?: number;
  /** Produce the hum reference channel (default true; NLMS cascades read it as `aux: { ref }`). */
  reference?: boolean;
  /** Which processor implementation the workers run (default `auto`: fast path when it supports the cascade, else TS). */
  processor?: ProcessorPath;
  display?: DisplayMode;
  /** Electron port mode: returns the worker end of a fresh MessagePort, called at every (re)start. */
  displayPort?: (channel: number) => unknown;
  /** Defaults to Node child processes; Electron main passes a `UtilityChannelLauncher`. */
  launcher?: ChannelLauncher;
  /** shm name prefix (default `specula-<pid>`). */
  prefix?: string;
  /** Heartbeat period / hang timeout of the workers, ms (defaults 200 / 5000). */
  heartbeatMs?: number;
  hangTimeoutMs?: number;
  /** Health event period, ms (default 500). */
  healthIntervalMs?: number;
  /** Buffers per channel for display frame leases (default 6: two per WebSocket client in flight + one being filled). */
  relayPoolSize?: number;
  /** Worker log lines, already prefixed `[ch3 pid 1234]` (default: stderr). */
  log?: (line: string) => void;
  /** Enable test-only debug messages in workers. */
  testHooks?: boolean;
  /** Inject a native module (tests); default `loadNative()`. */
  native?: NativeModule;
}

/** Static facts about a running engine. */
export interface EngineInfo {
  prefix: string;
  channels: number[];
  fps: number;
  lines: number;
  samples: number;
  reference: boolean;
  display: DisplayMode;
  processor: ProcessorPath;
  /** Where frames come from now: the simulated device, or a recording being replayed. */
  source: 'simulator' | 'replay';
  /** The recording being replayed (source `replay`), else null. */
  replayPath: string | null;
}

/** Sample type of a ring's dtype, as the cascade library names it. */
const SHAPE_DTYPE = { [DType.U8]: 'uint8', [DType.U16]: 'uint16', [DType.F32]: 'float32', [DType.F64]: 'float64' } as const;

/** What the live (simulated) source looks like, so `closeReplay` can bring it back as it was. */
interface LiveSource {
  channels: number[];
  fps: number;
  lines: number;
  samples: number;
  reference: boolean;
}

export class Engine {
  /** The native module in use (rings for the recorder, the clock). */
  readonly native: NativeModule;
  readonly info: EngineInfo;
  /** The simulated device; null while a recording is replayed. */
  private device: SimDevice | null;
  private readonly opts: EngineOptions;
  private readonly live: LiveSource;
  private readonly supervisor: Supervisor;
  /** The cascade each channel runs (or last ran), kept across source switches. */
  private readonly cascades = new Map<number, CascadeSpec>();
  /** The live channels' cascades when the replay began: `closeReplay` brings them back. */
  private readonly liveCascades = new Map<number, CascadeSpec>();
  /** Input geometry per active channel (validation of `setCascade`). */
  private readonly shapes = new Map<number, FrameShape>();
  private replayCtl: ReplayController | null = null;
  /** Frames published per channel by the replay driver (fps in). */
  private readonly replayPublished = new Map<number, number>();
  /** Source switches run one at a time. */
  private switching: Promise<unknown> = Promise.resolve();
  private readonly healthCbs = new Set<(h: ChannelHealth[]) => void>();
  private readonly relay: DisplayRelay | null;
  private readonly published = new Map<number, number>();
  private statsAt = 0;
  private stopping: Promise<void> | null = null;
  private readonly exitHandler = () => this.killSync();
  /** Last device priority state logged (logged again only when it changes). */
  private loggedPriority = '';

  private constructor(opts: EngineOptions, native: NativeModule) {
    this.native = native;
    this.opts = opts;
    const prefix = opts.prefix ?? `specula-${process.pid}`;
    const display = opts.display ?? 'relay';
    const processor = opts.processor ?? 'auto';
    const reference = opts.reference ?? true;
    const channels = Array.from({ length: opts.channels }, (_, i) => i);
    this.info = {
      prefix, channels, fps: opts.fps ?? DEFAULT_FPS, lines: opts.lines ?? DEFAULT_LINES, samples: opts.samples ?? DEFAULT_SAMPLES,
      reference, display, processor, source: 'simulator', replayPath: null,
    };
    this.live = { channels: [...channels], fps: this.info.fps, lines: this.info.lines, samples: this.info.samples, reference };
    for (const ch of channels) this.shapes.set(ch, { lines: this.info.lines, samples: this.info.samples, dtype: 'uint16' });
    // Rings of a previous run that was killed before it could clean up (its pid is gone).
    try {
      native.reclaimStaleRings('specula-');
    } catch {
      /* best effort */
    }
    this.device = this.createDevice();
    this.relay = display === 'relay' ? new DisplayRelay(native, opts.relayPoolSize ?? 6) : null;
    this.supervisor = new Supervisor({
      launcher: opts.launcher ?? new NodeChannelLauncher(),
      prefix, display, processor,
      nowNs: () => native.monotonicNs(),
      publishedCount: (ch) => this.publishedCount(ch),
      fps: this.info.fps,
      displayPort: opts.displayPort,
      heartbeatMs: opts.heartbeatMs,
      hangTimeoutMs: opts.hangTimeoutMs,
      healthIntervalMs: opts.healthIntervalMs,
      testHooks: opts.testHooks,
      log: opts.log,
    });
    if (this.relay) {
      const relay = this.relay;
      this.supervisor.onOutputRing((e) => relay.setRing(e.channel, e.ring, e.bytes));
      this.supervisor.onFrame((ch) => relay.notify(ch));
    }
    // Health lists the channels of the current source only (a replay may have fewer or others).
    this.supervisor.onHealth((h) => {
      if (!this.healthCbs.size) return;
      const mine = this.activeHealth(h);
      for (const cb of this.healthCbs) cb(mine);
    });
    process.on('exit', this.exitHandler);
  }

  private createDevice(): SimDevice {
    const l = this.live;
    // Real-time acquisition threads are opt-in in the app (`realtimeWanted`, SPECULA_REALTIME=1).
    return this.native.createSimDevice({
      prefix: this.info.prefix, channels: l.channels.length, lines: l.lines, samples: l.samples, fps: l.fps,
      seed: this.opts.seed, slots: this.opts.slots, reference: l.reference, realtime: realtimeWanted(),
    });
  }

  /** Start the simulated device and say once at what priority its thread runs. */
  private startDevice(device: SimDevice): void {
    device.start();
    const state = this.acquisitionPriority()?.state;
    if (state && state !== this.loggedPriority) {
      this.loggedPriority = state;
      this.opts.log?.(`[engine] device thread: ${state}`);
    }
  }

  /**
   * Priority of the simulated device's thread (the acquisition side; docs/native.md): `realtime`
   * true while it runs as SCHED_FIFO, `state` in words ("SCHED_FIFO 30", "normal priority: SCHED_FIFO
   * not permitted (…)", "… realtime off (SPECULA_REALTIME)", "… demoted …"). Null while a replay
   * is the source. The workers' ring waiter threads follow the same policy in their own processes.
   */
  acquisitionPriority(): { realtime: boolean; state: string } | null {
    const d = this.device;
    if (!d || d.realtimeState === undefined) return null;
    return { realtime: d.realtime === true, state: d.realtimeState };
  }

  private activeHealth(h: ChannelHealth[]): ChannelHealth[] {
    const active = this.info.channels;
    return h.length === active.length && h.every((x, i) => x.channel === active[i]) ? h : h.filter((x) => active.includes(x.channel));
  }

  /**
   * Create the device and rings, start one worker per channel and resolve once every channel is
   * running. Rejects (after cleaning up) if a worker cannot start, e.g. with the cascade's
   * validation message.
   */
  static async start(opts: EngineOptions): Promise<Engine> {
    if (!Number.isInteger(opts.channels) || opts.channels < 1 || opts.channels > 64) throw new RangeError(`channels must be an integer 1..64, got ${opts.channels}`);
    if (opts.fps !== undefined && !(opts.fps > 0 && opts.fps <= 1000)) throw new RangeError(`fps must be in (0, 1000], got ${opts.fps}`);
    if (!opts.cascade) throw new TypeError('cascade is required');
    // Fail fast, before any process or ring exists, on a cascade the library refuses.
    if (opts.processor !== 'test') {
      const shape = { lines: opts.lines ?? DEFAULT_LINES, samples: opts.samples ?? DEFAULT_SAMPLES, dtype: 'uint16' as const };
      for (let ch = 0; ch < opts.channels; ch++) {
        const spec = typeof opts.cascade === 'function' ? opts.cascade(ch) : opts.cascade;
        checkCascade(spec, shape, ch);
        if (typeof opts.cascade !== 'function') break;
      }
    }
    const engine = new Engine(opts, opts.native ?? loadNative());
    try {
      engine.startDevice(engine.device!);
      const spec = (ch: number) => (typeof opts.cascade === 'function' ? opts.cascade(ch) : opts.cascade);
      for (const ch of engine.info.channels) engine.cascades.set(ch, spec(ch));
      await Promise.all(engine.info.channels.map((ch) => engine.supervisor.startChannel(ch, spec(ch))));
    } catch (err) {
      await engine.stop();
      throw err;
    }
    return engine;
  }

  /** Per-channel health, now. */
  health(): ChannelHealth[] {
    return this.activeHealth(this.supervisor.health());
  }

  /** Health on every state change and every `healthIntervalMs`. Returns an unsubscribe function. */
  onHealth(cb: (health: ChannelHealth[]) => void): () => void {
    this.healthCbs.add(cb);
    return () => this.healthCbs.delete(cb);
  }

  /**
   * Relay mode: a channel's cascade published a display frame (`seq`: its input frame's number,
   * restarting with each source). Every frame, including those the relay then does not copy out
   * (no subscriber, or every buffer still held by slow sockets); the stall watch judges these.
   */
  onFrameProduced(cb: (channel: number, seq: number) => void): () => void {
    if (!this.relay) throw new Error(`onFrameProduced needs display mode 'relay' (this engine uses '${this.info.display}')`);
    return this.supervisor.onFrame(cb);
  }

  /**
   * Relay mode, display on demand: the worker of `channel` read a source frame and passed it because
   * no display asked (see `setDisplayPaced`). With `onFrameProduced` this is every frame the worker
   * read: the source's cadence, for the stall watch.
   */
  onFramePassed(cb: (channel: number, seq: number) => void): () => void {
    if (!this.relay) throw new Error(`onFramePassed needs display mode 'relay' (this engine uses '${this.info.display}')`);
    return this.supervisor.onPassed(cb);
  }

  /**
   * Relay mode: display on demand. While on, a channel's cascade runs only for the frames a display
   * asks for with `pullDisplayFrame` (each pull: the channel's next source frame); the frames nobody
   * asked for are read and counted as skipped. Off (the default), every frame a worker gets to is
   * processed. The web server turns it on while a client takes frames.
   */
  setDisplayPaced(on: boolean): void {
    if (this.relay) this.supervisor.setPaced(on);
  }

  /** Display on demand: ask for `channel`'s next display frame; false when the channel has no process. */
  pullDisplayFrame(channel: number): boolean {
    return this.relay ? this.supervisor.pull(channel) : false;
  }

  /**
   * Display frames of every channel (relay mode), newest only: a subscriber that is slow sees
   * fewer, fresher frames. See `DisplayFrameLease` for the buffer lifetime rules.
   */
  onDisplayFrame(cb: (frame: DisplayFrameLease) => void): () => void {
    if (!this.relay) throw new Error(`onDisplayFrame needs display mode 'relay' (this engine uses '${this.info.display}')`);
    return this.relay.subscribe(cb);
  }

  /**
   * Apply a cascade to one channel (or all) from the next frame on, without restarting processes.
   * Rejects with the validation message if a worker refuses it; that channel keeps its old cascade.
   */
  async setCascade(channel: number | 'all', cascade: CascadeSpec): Promise<void> {
    if (channel !== 'all') this.known(channel);
    const chans = channel === 'all' ? [...this.info.channels] : [channel];
    if (this.info.processor !== 'test') {
      for (const ch of chans) checkCascade(cascade, this.shapes.get(ch)!, channel);
    }
    const results = await Promise.allSettled(chans.map((ch) => this.supervisor.setCascade(ch, cascade)));
    const failed = results.map((r, i) => [chans[i], r] as const).filter(([, r]) => r.status === 'rejected');
    if (failed.length) {
      const msg = (failed[0][1] as PromiseRejectedResult).reason instanceof Error ? ((failed[0][1] as PromiseRejectedResult).reason as Error).message : String((failed[0][1] as PromiseRejectedResult).reason);
      for (const [i, r] of results.entries()) if (r.status === 'fulfilled') this.cascades.set(chans[i], cascade);
      throw new Error(chans.length === 1 ? msg : `cascade rejected on channel(s) ${failed.map(([c]) => c).join(', ')}: ${msg}`);
    }
    for (const ch of chans) this.cascades.set(ch, cascade);
  }

  /** The cascade a channel runs now (null for a channel this engine never ran). */
  cascadeOf(channel: number): CascadeSpec | null {
    return this.cascades.get(channel) ?? null;
  }

  /** The open replay, or null while the simulated device is the source. */
  replay(): ReplayController | null {
    return this.replayCtl;
  }

  /**
   * Switch the source to a recording: stop the workers and the simulated device (its rings go),
   * create one ring per recorded channel (reference included) under the same prefix, start one
   * worker per recorded optical channel on them, open the replay driver (paused on the first frame
   * unless `autoplay`) and resolve with it. Each channel runs its current cascade when that fits the
   * recording's geometry, else the cascade stored in the recording, else the open fails with the
   * validation message (and the previous source is running again). Replaying while a replay is open
   * replaces it. Channels, health and display frames follow the recording's channel set.
   */
  openReplay(path: string, opts: ReplayOptions = {}): Promise<ReplayController> {
    return this.serial(async () => {
      if (this.stopping) throw new Error('the engine is stopping');
      const plan = await this.planReplay(path);
      if (this.info.source === 'simulator') {
        this.liveCascades.clear();
        for (const ch of this.live.channels) this.liveCascades.set(ch, this.cascades.get(ch)!);
      }
      await this.stopSource();
      try {
        const sink = this.countingSink(ringSink(this.native, this.info.prefix, plan.metas, this.opts.slots ?? 4));
        this.info.source = 'replay';
        this.info.replayPath = path;
        this.info.channels = plan.optical.map((c) => c.channel);
        this.info.lines = plan.optical[0].lines;
        this.info.samples = plan.optical[0].samples;
        this.info.fps = plan.fps;
        this.info.reference = plan.metas.some((c) => c.reference);
        this.shapes.clear();
        for (const c of plan.optical) this.shapes.set(c.channel, shapeOf(c));
        try {
          await Promise.all(plan.optical.map((c) => this.supervisor.startChannel(c.channel, plan.cascades.get(c.channel)!)));
          for (const [ch, spec] of plan.cascades) this.cascades.set(ch, spec);
          this.replayCtl = await ReplayController.open(path, sink, opts);
        } catch (e) {
          await this.stopWorkers();
          sink.close();
          throw e;
        }
        return this.replayCtl;
      } catch (e) {
        await this.startLive();
        throw e;
      }
    });
  }

  /** Close the replay (if any) and bring the simulated device and the live channels back. */
  closeReplay(): Promise<void> {
    return this.serial(async () => {
      if (this.info.source !== 'replay' || this.stopping) return;
      await this.stopSource();
      await this.startLive();
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.switching.then(fn, fn);
    this.switching = p.catch(() => undefined);
    return p;
  }

  /** Read the recording's channels and choose each optical channel's cascade, before touching anything. */
  private async planReplay(path: string): Promise<{ metas: ChannelMeta[]; optical: ChannelMeta[]; fps: number; cascades: Map<number, CascadeSpec> }> {
    const rec = await Recording.open(path);
    try {
      const metas = rec.channels.map((c) => c.meta);
      const optical = rec.channels.filter((c) => !c.meta.reference && c.count > 0).map((c) => c.meta);
      if (optical.length === 0) throw new Error(`replay: ${path} holds no frames of an optical channel (channels: ${metas.map((c) => c.channel).join(', ') || 'none'})`);
      if (optical.length > 64) throw new Error(`replay: ${path} has ${optical.length} optical channels; the engine runs at most 64`);
      const primary = rec.channels.find((c) => c.meta.channel === optical[0].channel)!;
      const fps = primary.count > 1 && primary.timeNs[primary.count - 1] > primary.timeNs[0] ? ((primary.count - 1) * 1e9) / (primary.timeNs[primary.count - 1] - primary.timeNs[0]) : this.live.fps;
      const cascades = new Map<number, CascadeSpec>();
      for (const c of optical) {
        const shape = shapeOf(c);
        const current = this.cascades.get(c.channel) ?? this.cascades.get(this.live.channels[0]) ?? null;
        const stored = (rec.channelExtra.get(c.channel)?.cascade ?? null) as CascadeSpec | null;
        const fits = (s: CascadeSpec | null): s is CascadeSpec => !!s && (this.info.processor === 'test' || validateCascade(s, shape).ok);
        const pick = fits(current) ? current : fits(stored) ? stored : null;
        if (!pick) {
          const why = current ? validateCascade(current, shape) : null;
          throw new Error(`replay: no cascade fits channel ${c.channel} (${c.lines}×${c.samples} ${shape.dtype}): the current one ${current ? `is rejected: ${why && !why.ok ? why.errors[0] : '?'}` : 'is unknown'}, and the recording stores ${stored ? 'one that does not fit either' : 'none'}; set a cascade that fits, then open it again`);
        }
        cascades.set(c.channel, pick);
      }
      return { metas, optical, fps: Math.round(fps * 100) / 100, cascades };
    } finally {
      await rec.close();
    }
  }

  /** Count frames per channel (fps in) on their way into the rings. */
  private countingSink(inner: ReplaySink): ReplaySink {
    const counts = this.replayPublished;
    counts.clear();
    return {
      publish(channel, payload, t, flags) {
        counts.set(channel, (counts.get(channel) ?? 0) + 1);
        return inner.publish(channel, payload, t, flags);
      },
      heartbeat: () => inner.heartbeat?.(),
      close: () => inner.close(),
    };
  }

  /** Stop the workers of the active channels (their slots stay, `stopped`). */
  private async stopWorkers(): Promise<void> {
    await Promise.all(this.info.channels.map((ch) => this.supervisor.stopChannel(ch)));
  }

  /** Stop whatever feeds the rings now: workers first (they must not see their ring vanish), then the source. */
  private async stopSource(): Promise<void> {
    await this.stopWorkers();
    if (this.replayCtl) {
      const ctl = this.replayCtl;
      this.replayCtl = null;
      await ctl.close(); // closes the replay rings (unlinked)
    }
    if (this.device) {
      const d = this.device;
      this.device = null;
      try {
        d.stop();
      } catch {
        /* already stopped */
      }
      d.close(); // unlinks the device's rings
    }
  }

  /** Simulated device + live channels, each with the cascade it ran before the replay. */
  private async startLive(): Promise<void> {
    const l = this.live;
    this.info.source = 'simulator';
    this.info.replayPath = null;
    this.info.channels = [...l.channels];
    this.info.fps = l.fps;
    this.info.lines = l.lines;
    this.info.samples = l.samples;
    this.info.reference = l.reference;
    this.shapes.clear();
    const shape: FrameShape = { lines: l.lines, samples: l.samples, dtype: 'uint16' };
    for (const ch of l.channels) this.shapes.set(ch, shape);
    this.device = this.createDevice();
    this.startDevice(this.device);
    await Promise.all(l.channels.map((ch) => {
      const spec = this.liveCascades.get(ch) ?? (typeof this.opts.cascade === 'function' ? this.opts.cascade(ch) : this.opts.cascade);
      this.cascades.set(ch, spec);
      return this.supervisor.startChannel(ch, spec);
    }));
  }

  /** Start a channel stopped with `stopChannel` again (its last cascade unless one is given). */
  startChannel(channel: number, cascade?: CascadeSpec): Promise<void> {
    this.known(channel);
    return this.supervisor.startChannel(channel, cascade);
  }

  /** Stop one channel's process (no restart); health lists it as `stopped`. */
  stopChannel(channel: number): Promise<void> {
    this.known(channel);
    return this.supervisor.stopChannel(channel);
  }

  /** Per-stage cascade ms of a channel (recent average, by stage id), or null while it has no process. */
  stageMs(channel: number): Record<string, number> | null {
    return this.supervisor.workerStats(channel)?.stageMs ?? null;
  }

  private known(channel: number): void {
    if (!this.info.channels.includes(channel)) throw new RangeError(`unknown channel ${channel} (channels: ${this.info.channels.join(', ')})`);
  }

  /** Raw worker counters of a channel (latency percentiles ring-write → sent, out-of-order...). */
  workerStats(channel: number): WorkerStats | null {
    return this.supervisor.workerStats(channel);
  }

  /** Display relay counters per channel (relay mode). */
  relayStats(): RelayStats[] {
    return this.relay?.stats() ?? [];
  }

  /** Current pid of a channel's process (null while down). */
  pid(channel: number): number | null {
    return this.supervisor.pid(channel);
  }

  /** shm name of a channel's input ring (for the recorder and tools). */
  ringName(channel: number): string {
    return ringName(this.info.prefix, channel);
  }

  /** Name of the reference channel's ring, or null when the device has none. */
  referenceRingName(): string | null {
    return this.info.reference ? ringName(this.info.prefix, REFERENCE_CHANNEL_ID) : null;
  }

  /** Device controls (during a replay: pause / play the replay). */
  pause(): void {
    if (this.device) this.device.pause();
    else this.replayCtl?.pause();
  }
  resume(): void {
    if (this.device) this.device.resume();
    else this.replayCtl?.play();
  }
  /** Fault switch: stop producing on one channel (tests, demos of a stalled channel). Simulated device only. */
  stall(channel: number, stalled: boolean): void {
    if (!this.device) throw new Error('stall is a fault switch of the simulated device; the source is a replay now');
    this.device.stall(channel, stalled);
  }

  /** Test hooks (engine started with `testHooks`): make a channel's worker hang or crash. */
  debugWorker(channel: number, what: 'hang' | 'crash'): void {
    this.supervisor.debug(channel, what === 'hang' ? 'debug-hang' : 'debug-crash');
  }

  private publishedCount(ch: number): number {
    if (!this.device) return this.replayPublished.get(ch) ?? 0;
    const now = Date.now();
    if (now - this.statsAt > 100) {
      this.statsAt = now;
      for (const s of this.device.stats()) this.published.set(s.channel, s.published);
    }
    return this.published.get(ch) ?? 0;
  }

  /**
   * Stop workers (stop → SIGTERM → SIGKILL), the device, and unlink every ring. Idempotent.
   */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        await this.switching;
        try {
          await this.supervisor.close();
        } finally {
          this.relay?.close();
          const ctl = this.replayCtl;
          this.replayCtl = null;
          await ctl?.close().catch(() => undefined);
          try {
            this.device?.stop();
          } catch {
            /* already stopped */
          }
          this.device?.close();
          this.device = null;
          unlinkShm(`${this.info.prefix}-`);
          process.off('exit', this.exitHandler);
        }
      })();
    }
    return this.stopping;
  }

  /**
   * Stop on SIGINT/SIGTERM, then exit with 130/143. Returns a function that removes the handlers.
   * Hosts that manage signals themselves call `stop()` instead.
   */
  installSignalHandlers(): () => void {
    const handler = (sig: NodeJS.Signals) => {
      void this.stop().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  }

  /** Last resort when the host exits without `stop()`: kill workers, unlink rings synchronously. */
  private killSync(): void {
    this.supervisor.killAllSync();
    try {
      this.device?.close();
    } catch {
      /* best effort */
    }
    unlinkShm(`${this.info.prefix}-`);
  }
}

function shapeOf(c: ChannelMeta): FrameShape {
  return { lines: c.lines, samples: c.samples, dtype: SHAPE_DTYPE[c.dtype] };
}

/** Throws the cascade library's validation errors (one per line) for `spec` on frames of `shape`. */
function checkCascade(spec: CascadeSpec, shape: FrameShape, channel: number | 'all'): void {
  const r = validateCascade(spec, shape);
  if (!r.ok) throw new Error(`cascade rejected${channel === 'all' ? '' : ` for channel ${channel}`}:\n${r.errors.join('\n')}`);
}
