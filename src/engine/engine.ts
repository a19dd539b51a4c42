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
 */
import type { CascadeSpec, FrameShape } from '../shared/cascade-spec';
import { DEFAULT_FPS, DEFAULT_LINES, DEFAULT_SAMPLES, REFERENCE_CHANNEL_ID, ringName } from '../shared/device';
import type { ChannelHealth } from '../shared/health';
import { validateCascade } from '../cascade/validate';
import type { NativeModule, SimDevice } from '../native/api';
import { loadNative } from '../native/load';
import type { DisplayMode, ProcessorPath, WorkerStats } from '../workers/protocol';
import { DisplayRelay, type DisplayFrameLease, type RelayStats } from './display-relay';
import type { ChannelLauncher } from './launcher';
import { NodeChannelLauncher } from './launcher-node';
import { unlinkShm } from './shm-cleanup';
import { Supervisor } from './supervisor';

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
}

export class Engine {
  /** The native module in use (rings for the recorder, the clock). */
  readonly native: NativeModule;
  readonly info: EngineInfo;
  private readonly device: SimDevice;
  private readonly supervisor: Supervisor;
  private readonly relay: DisplayRelay | null;
  private readonly published = new Map<number, number>();
  private statsAt = 0;
  private stopping: Promise<void> | null = null;
  private readonly exitHandler = () => this.killSync();

  private constructor(opts: EngineOptions, native: NativeModule) {
    this.native = native;
    const prefix = opts.prefix ?? `specula-${process.pid}`;
    const display = opts.display ?? 'relay';
    const processor = opts.processor ?? 'auto';
    const reference = opts.reference ?? true;
    const channels = Array.from({ length: opts.channels }, (_, i) => i);
    this.info = {
      prefix, channels, fps: opts.fps ?? DEFAULT_FPS, lines: opts.lines ?? DEFAULT_LINES, samples: opts.samples ?? DEFAULT_SAMPLES,
      reference, display, processor,
    };
    // Rings of a previous run that was killed before it could clean up (its pid is gone).
    try {
      native.reclaimStaleRings('specula-');
    } catch {
      /* best effort */
    }
    this.device = native.createSimDevice({
      prefix, channels: opts.channels, lines: this.info.lines, samples: this.info.samples, fps: this.info.fps,
      seed: opts.seed, slots: opts.slots, reference,
    });
    this.relay = display === 'relay' ? new DisplayRelay(native, opts.relayPoolSize ?? 6) : null;
    this.supervisor = new Supervisor({
      launcher: opts.launcher ?? new NodeChannelLauncher(),
      prefix, display, processor,
      nowNs: () => native.monotonicNs(),
      publishedCount: (ch) => this.publishedCount(ch),
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
    process.on('exit', this.exitHandler);
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
      engine.device.start();
      const spec = (ch: number) => (typeof opts.cascade === 'function' ? opts.cascade(ch) : opts.cascade);
      await Promise.all(engine.info.channels.map((ch) => engine.supervisor.startChannel(ch, spec(ch))));
    } catch (err) {
      await engine.stop();
      throw err;
    }
    return engine;
  }

  /** Per-channel health, now. */
  health(): ChannelHealth[] {
    return this.supervisor.health();
  }

  /** Health on every state change and every `healthIntervalMs`. Returns an unsubscribe function. */
  onHealth(cb: (health: ChannelHealth[]) => void): () => void {
    return this.supervisor.onHealth(cb);
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
    if (this.info.processor !== 'test') checkCascade(cascade, { lines: this.info.lines, samples: this.info.samples, dtype: 'uint16' }, channel);
    const chans = channel === 'all' ? this.info.channels : [channel];
    const results = await Promise.allSettled(chans.map((ch) => this.supervisor.setCascade(ch, cascade)));
    const failed = results.map((r, i) => [chans[i], r] as const).filter(([, r]) => r.status === 'rejected');
    if (failed.length) {
      const msg = (failed[0][1] as PromiseRejectedResult).reason instanceof Error ? ((failed[0][1] as PromiseRejectedResult).reason as Error).message : String((failed[0][1] as PromiseRejectedResult).reason);
      throw new Error(chans.length === 1 ? msg : `cascade rejected on channel(s) ${failed.map(([c]) => c).join(', ')}: ${msg}`);
    }
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

  /** Device controls. */
  pause(): void {
    this.device.pause();
  }
  resume(): void {
    this.device.resume();
  }
  /** Fault switch: stop producing on one channel (tests, demos of a stalled channel). */
  stall(channel: number, stalled: boolean): void {
    this.device.stall(channel, stalled);
  }

  /** Test hooks (engine started with `testHooks`): make a channel's worker hang or crash. */
  debugWorker(channel: number, what: 'hang' | 'crash'): void {
    this.supervisor.debug(channel, what === 'hang' ? 'debug-hang' : 'debug-crash');
  }

  private publishedCount(ch: number): number {
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
        try {
          await this.supervisor.close();
        } finally {
          this.relay?.close();
          try {
            this.device.stop();
          } catch {
            /* already stopped */
          }
          this.device.close();
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
      this.device.close();
    } catch {
      /* best effort */
    }
    unlinkShm(`${this.info.prefix}-`);
  }
}

/** Throws the cascade library's validation errors (one per line) for `spec` on frames of `shape`. */
function checkCascade(spec: CascadeSpec, shape: FrameShape, channel: number | 'all'): void {
  const r = validateCascade(spec, shape);
  if (!r.ok) throw new Error(`cascade rejected${channel === 'all' ? '' : ` for channel ${channel}`}:\n${r.errors.join('\n')}`);
}
