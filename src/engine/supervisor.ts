/**
 * The channel supervisor: one cascade process per channel, kept alive and observed.
 *
 * - Start/stop channels; each channel is an independent slot, so nothing one process does (crash,
 *   hang, bad cascade) reaches another channel's slot.
 * - Crash (unrequested exit) → state `down` at once (health published immediately), then a restart
 *   after `Backoff` (first one immediate). A worker that exits with `BadConfig` is not restarted: the
 *   same cascade would fail the same way.
 * - Hang: no heartbeat for `hangTimeoutMs` (startup: `startupTimeoutMs`) → killed (SIGTERM, then
 *   SIGKILL) and restarted like a crash, with `lastError` saying so.
 * - Live reconfiguration: `setCascade` sends the spec to the running worker, which builds it on a
 *   fresh processor and swaps it in for the next frame; an invalid cascade is rejected with the
 *   validation message and the running one continues. Restarts use the last accepted cascade.
 * - Health (src/shared/health.ts) per channel on a timer and on every state change; counters are
 *   cumulative across restarts.
 */
import type { CascadeSpec } from '../shared/cascade-spec';
import type { ChannelHealth, ChannelProcessState } from '../shared/health';
import type { DisplayMode, ProcessorPath, WorkerStats, WorkerToHost } from '../workers/protocol';
import { WorkerExit } from '../workers/protocol';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import type { ChannelExit, ChannelLauncher, ChannelProcess } from './launcher';
import { unlinkShm } from './shm-cleanup';

export interface SupervisorOptions {
  launcher: ChannelLauncher;
  /** Ring prefix of the device (`ringName(prefix, ch)`). */
  prefix: string;
  display: DisplayMode;
  processor: ProcessorPath;
  /** Engine clock, ns (CLOCK_MONOTONIC, same as the rings'). */
  nowNs: () => number;
  /** Nominal frames per second of the sources (the workers' stall watch in port mode). */
  fps?: number;
  /** Frames the device has published on a channel so far (for fps in); optional. */
  publishedCount?: (channel: number) => number;
  /** Electron port mode: a fresh MessagePort (worker end) for each (re)start of a channel. */
  displayPort?: (channel: number) => unknown;
  heartbeatMs?: number;
  hangTimeoutMs?: number;
  startupTimeoutMs?: number;
  waitTimeoutMs?: number;
  healthIntervalMs?: number;
  backoff?: BackoffOptions;
  /** Kill grace (SIGTERM → SIGKILL), ms. */
  killGraceMs?: number;
  /**
   * Warm spare processes kept booted (runtime loaded, waiting for `init`), default 1. A crashed
   * channel takes a spare and is back in tens of ms instead of a process start (~0.5–1.5 s here).
   */
  spares?: number;
  testHooks?: boolean;
  log?: (line: string) => void;
}

/** Defaults of the supervisor's timing options, ms. */
export const SUPERVISOR_DEFAULTS = {
  heartbeatMs: 200,
  hangTimeoutMs: 5000,
  startupTimeoutMs: 15_000,
  waitTimeoutMs: 250,
  healthIntervalMs: 500,
  killGraceMs: 1000,
} as const;

type ResolvedOptions = Required<Omit<SupervisorOptions, 'publishedCount' | 'displayPort' | 'log'>> & SupervisorOptions;

/**
 * Options with their defaults. An option given as `undefined` keeps its default: callers forward
 * their own optional settings (`heartbeatMs: opts.heartbeatMs`), and a plain `{...defaults, ...opts}`
 * let those undefined values erase the defaults — `setInterval(fn, undefined)` then ran every
 * worker's heartbeat and the health report every millisecond, and disabled the hang check, which
 * cost 16 idle workers ~75 % of a core. Timing options must be positive finite numbers.
 */
export function resolveSupervisorOptions(opts: SupervisorOptions): ResolvedOptions {
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as SupervisorOptions;
  const o: ResolvedOptions = {
    ...SUPERVISOR_DEFAULTS,
    backoff: DEFAULT_BACKOFF,
    spares: 1,
    testHooks: false,
    fps: 30,
    ...given,
  };
  for (const k of Object.keys(SUPERVISOR_DEFAULTS) as (keyof typeof SUPERVISOR_DEFAULTS)[]) {
    const v = o[k];
    // Node runs a timer whose delay is not in 1..2^31-1 ms after 1 ms: the same spin as undefined.
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 2147483647) throw new RangeError(`supervisor option ${k}: expected a positive number of ms up to 2147483647, got ${String(v)}`);
  }
  if (!Number.isInteger(o.spares) || o.spares < 0) throw new RangeError(`supervisor option spares: expected a whole number ≥ 0, got ${String(o.spares)}`);
  if (!Number.isFinite(o.fps) || o.fps <= 0) throw new RangeError(`supervisor option fps: expected a positive number, got ${String(o.fps)}`);
  return o;
}

/** Events of one channel's display output (relay mode). */
export interface OutputRingEvent {
  channel: number;
  /** Output ring name, or null when the channel's process is gone. */
  ring: string | null;
  bytes: number;
}

interface Slot {
  channel: number;
  label: string;
  cascade: CascadeSpec;
  state: ChannelProcessState;
  proc: ChannelProcess | null;
  stopping: boolean;
  backoff: Backoff;
  restarts: number;
  lastError: string | null;
  lastHeartbeatAt: number;
  startedAt: number;
  restartTimer: NodeJS.Timeout | null;
  hangKill: boolean;
  /** Message of a `fatal` report from the current process. */
  fatal: string | null;
  stats: WorkerStats | null;
  /** Counters of previous processes of this channel (health is cumulative across restarts). */
  base: { framesOut: number; skipped: number; gaps: number };
  lastSentNs: number;
  outputRing: string | null;
  /** Exact display frame size of the current cascade (output ring slots may be padded). */
  displayBytes: number;
  pending: Map<number, { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout; cascade: CascadeSpec }>;
  readyWaiters: { resolve: () => void; reject: (e: Error) => void }[];
  rate: { t: number; published: number; out: number; fpsIn: number; fpsOut: number };
}

const EMPTY_STATS: WorkerStats = {
  latestSeq: 0, framesIn: 0, framesOut: 0, skipped: 0, gaps: 0, cascadeMsP50: 0, cascadeMsP99: 0,
  latencyMsP50: 0, latencyMsP99: 0, latencyMsMax: 0, lastSentNs: 0, lastSeq: 0, firstSeq: 0, lastPickedSeq: 0, outOfOrder: 0, sinkDrops: 0,
  stageMs: {}, processorPath: '',
};

export class Supervisor {
  private readonly slots = new Map<number, Slot>();
  private readonly healthCbs = new Set<(h: ChannelHealth[]) => void>();
  private readonly frameCbs = new Set<(channel: number, seq: number) => void>();
  private readonly passedCbs = new Set<(channel: number, seq: number) => void>();
  /** Display on demand (relay mode): see `setPaced`. */
  private paced = false;
  private readonly outputCbs = new Set<(e: OutputRingEvent) => void>();
  private readonly o: ResolvedOptions;
  private readonly healthTimer: NodeJS.Timeout;
  private readonly watchdog: NodeJS.Timeout;
  private nextConfigId = 1;
  private closed = false;
  private readonly spares: ChannelProcess[] = [];
  private spareTimer: NodeJS.Timeout | null = null;
  private spareDeaths = 0;

  constructor(opts: SupervisorOptions) {
    this.o = resolveSupervisorOptions(opts);
    this.healthTimer = setInterval(() => this.publishHealth(), this.o.healthIntervalMs);
    this.healthTimer.unref();
    this.watchdog = setInterval(() => this.checkHeartbeats(), Math.max(50, Math.min(250, this.o.hangTimeoutMs / 4)));
    this.watchdog.unref();
  }

  private log(line: string): void {
    (this.o.log ?? ((l: string) => process.stderr.write(l + '\n')))(line);
  }

  /** Channels under supervision. */
  get channels(): number[] {
    return [...this.slots.keys()].sort((a, b) => a - b);
  }

  /**
   * Start supervising `channel` with `cascade`. Resolves when its process reported ready; rejects
   * with the worker's message if it could not start (e.g. invalid cascade).
   */
  startChannel(channel: number, cascade?: CascadeSpec, label = `ch${channel}`): Promise<void> {
    if (this.closed) return Promise.reject(new Error('supervisor is closed'));
    const existing = this.slots.get(channel);
    if (existing) {
      if (existing.state !== 'stopped') return Promise.reject(new Error(`channel ${channel} is already ${existing.state}`));
      // Restart a stopped channel with its last cascade (or the one given).
      if (cascade) existing.cascade = cascade;
      existing.stopping = false;
      existing.backoff.reset();
      const again = new Promise<void>((resolve, reject) => existing.readyWaiters.push({ resolve, reject }));
      this.launch(existing);
      return again;
    }
    if (!cascade) return Promise.reject(new Error(`channel ${channel}: a cascade is required to start it`));
    const slot: Slot = {
      channel, label, cascade, state: 'starting', proc: null, stopping: false,
      backoff: new Backoff(this.o.backoff), restarts: 0, lastError: null, lastHeartbeatAt: Date.now(),
      startedAt: Date.now(), restartTimer: null, hangKill: false, fatal: null, stats: null,
      base: { framesOut: 0, skipped: 0, gaps: 0 }, lastSentNs: 0, outputRing: null, displayBytes: 0,
      pending: new Map(), readyWaiters: [],
      rate: { t: Date.now(), published: this.o.publishedCount?.(channel) ?? 0, out: 0, fpsIn: 0, fpsOut: 0 },
    };
    this.slots.set(channel, slot);
    const ready = new Promise<void>((resolve, reject) => slot.readyWaiters.push({ resolve, reject }));
    this.launch(slot);
    return ready;
  }

  private launch(slot: Slot): void {
    slot.restartTimer = null;
    slot.hangKill = false;
    slot.fatal = null;
    slot.stats = null;
    slot.lastHeartbeatAt = Date.now();
    slot.startedAt = Date.now();
    this.setState(slot, 'starting');
    let proc: ChannelProcess;
    try {
      proc = this.takeProcess(slot);
    } catch (err) {
      slot.lastError = `launch failed: ${err instanceof Error ? err.message : String(err)}`;
      this.onExit(slot, null, { code: null, signal: null, crashed: true, uptimeMs: 0 });
      return;
    }
    slot.proc = proc;
    proc.onMessage((m) => this.onMessage(slot, proc, m));
    proc.onExit((e) => this.onExit(slot, proc, e));
    proc.send({
      type: 'init', channel: slot.channel, label: slot.label, prefix: this.o.prefix, cascade: slot.cascade,
      display: this.o.display, processor: this.o.processor, outputPrefix: `${this.o.prefix}-out${slot.channel}`,
      heartbeatMs: this.o.heartbeatMs, waitTimeoutMs: this.o.waitTimeoutMs, testHooks: this.o.testHooks, fps: this.o.fps,
      // Port mode (Electron) is always paced: the worker's sink pulls when the renderer has room.
      paced: this.o.display === 'port' || this.paced,
    });
    if (this.o.display === 'port' && this.o.displayPort) {
      proc.send({ type: 'display-port' }, [this.o.displayPort(slot.channel)]);
    }
  }

  /** A warm spare if one is booted, else a fresh process. Either way, top the spares up later. */
  private takeProcess(slot: Slot): ChannelProcess {
    let proc: ChannelProcess | undefined;
    while (!proc && this.spares.length) {
      const p = this.spares.shift()!;
      if (!p.exited) proc = p;
    }
    if (proc) {
      proc.channel = slot.channel;
      proc.label = slot.label;
    } else {
      proc = this.o.launcher.launch({ channel: slot.channel, label: slot.label, log: this.o.log });
    }
    this.scheduleSpares();
    return proc;
  }

  private scheduleSpares(delayMs = 300): void {
    if (this.closed || this.o.spares <= 0 || this.spareTimer) return;
    // Booting a spare competes for CPU with starting channels: do it a little later.
    this.spareTimer = setTimeout(() => {
      this.spareTimer = null;
      this.fillSpares();
    }, delayMs);
    this.spareTimer.unref();
  }

  private fillSpares(): void {
    while (!this.closed && this.spares.length < this.o.spares) {
      let p: ChannelProcess;
      try {
        p = this.o.launcher.launch({ channel: -1, label: 'spare', log: this.o.log });
      } catch (err) {
        this.log(`could not start a spare worker: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      this.spares.push(p);
      p.onExit(() => {
        const i = this.spares.indexOf(p);
        if (i < 0 || this.closed) return;
        this.spares.splice(i, 1);
        // A spare that dies on its own is replaced, but not in a tight loop.
        if (++this.spareDeaths <= 5) this.scheduleSpares(1000);
      });
    }
  }

  private onMessage(slot: Slot, proc: ChannelProcess, m: WorkerToHost): void {
    if (slot.proc !== proc) return; // a message from a process we already gave up on
    slot.lastHeartbeatAt = Date.now();
    switch (m.type) {
      case 'frame':
        // The notice follows the publish by microseconds: a fresher last-frame time than heartbeats give.
        slot.lastSentNs = this.o.nowNs();
        for (const cb of this.frameCbs) cb(slot.channel, m.seq);
        break;
      case 'passed':
        for (const cb of this.passedCbs) cb(slot.channel, m.seq);
        break;
      case 'heartbeat':
        slot.stats = m.stats;
        if (m.stats.lastSentNs > slot.lastSentNs) slot.lastSentNs = m.stats.lastSentNs;
        if (slot.state === 'starting') this.setState(slot, 'running');
        break;
      case 'ready': {
        // Rates restart from here: a window spanning the process start would understate fps out.
        const r = slot.rate;
        r.t = Date.now();
        r.published = this.o.publishedCount?.(slot.channel) ?? 0;
        r.out = slot.base.framesOut;
        slot.outputRing = m.outputRing;
        slot.displayBytes = m.displayBytes;
        this.emitOutput(slot, m.displayBytes);
        this.setState(slot, 'running');
        for (const w of slot.readyWaiters.splice(0)) w.resolve();
        break;
      }
      case 'configured': {
        const p = slot.pending.get(m.id);
        if (!p) break;
        slot.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok) {
          slot.cascade = p.cascade;
          // A new ring (new geometry) or the same padded ring with a different frame size.
          if (m.outputRing !== slot.outputRing || m.displayBytes !== slot.displayBytes) {
            slot.outputRing = m.outputRing;
            slot.displayBytes = m.displayBytes;
            this.emitOutput(slot, m.displayBytes);
          }
          p.resolve();
        } else {
          p.reject(new Error(m.error ?? 'cascade rejected'));
        }
        this.publishHealth();
        break;
      }
      case 'fatal':
        slot.fatal = m.error;
        break;
    }
  }

  private onExit(slot: Slot, proc: ChannelProcess | null, e: ChannelExit): void {
    if (proc && slot.proc !== proc) return;
    slot.proc = null;
    if (proc?.pid) unlinkShm(`${this.o.prefix}-out${slot.channel}-${proc.pid}-`);
    if (slot.stats) {
      slot.base.framesOut += slot.stats.framesOut;
      slot.base.skipped += slot.stats.skipped;
      slot.base.gaps += slot.stats.gaps;
      slot.stats = null;
    }
    slot.outputRing = null;
    slot.displayBytes = 0;
    this.emitOutput(slot, 0);
    for (const [id, p] of slot.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`channel ${slot.channel}: process exited before applying the cascade`));
      slot.pending.delete(id);
    }
    if (slot.stopping || this.closed) {
      this.setState(slot, 'stopped');
      return;
    }
    const why = slot.hangKill ? slot.lastError ?? 'hung' : e.signal ? `killed by ${e.signal}` : `exited with code ${e.code}`;
    if (!slot.hangKill) slot.lastError = slot.fatal ? `${slot.fatal} (process ${why})` : `process ${why}`;
    this.log(`[${slot.label} pid ${proc?.pid ?? '?'}] ${why}; ${e.code === WorkerExit.BadConfig ? 'not restarting (bad configuration)' : 'restarting'}`);
    this.setState(slot, 'down');
    if (e.code === WorkerExit.BadConfig) {
      for (const w of slot.readyWaiters.splice(0)) w.reject(new Error(slot.fatal ?? slot.lastError ?? 'bad configuration'));
      return;
    }
    const delay = slot.backoff.next(e.uptimeMs);
    slot.restarts++;
    slot.restartTimer = setTimeout(() => {
      if (slot.stopping || this.closed) return;
      this.setState(slot, 'restarting');
      this.launch(slot);
    }, delay);
  }

  private checkHeartbeats(): void {
    const now = Date.now();
    for (const slot of this.slots.values()) {
      const proc = slot.proc;
      if (!proc || slot.stopping || slot.hangKill) continue;
      const limit = slot.state === 'starting' && !slot.stats ? this.o.startupTimeoutMs : this.o.hangTimeoutMs;
      const silent = now - slot.lastHeartbeatAt;
      if (silent > limit) {
        slot.hangKill = true;
        slot.lastError = `hung: no heartbeat for ${silent} ms (limit ${limit} ms)`;
        this.log(`[${slot.label} pid ${proc.pid ?? '?'}] ${slot.lastError}; killing`);
        void proc.kill(Math.min(this.o.killGraceMs, 300));
      }
    }
  }

  private setState(slot: Slot, s: ChannelProcessState): void {
    if (slot.state === s) return;
    slot.state = s;
    this.publishHealth();
  }

  private emitOutput(slot: Slot, bytes: number): void {
    for (const cb of this.outputCbs) cb({ channel: slot.channel, ring: slot.outputRing, bytes });
  }

  /**
   * Apply `cascade` to `channel` from its next frame without restarting the process. Rejects with
   * the validation message when the worker refuses it (the running cascade continues).
   */
  setCascade(channel: number, cascade: CascadeSpec, timeoutMs = 10_000): Promise<void> {
    const slot = this.slots.get(channel);
    if (!slot) return Promise.reject(new Error(`channel ${channel} is not supervised`));
    const proc = slot.proc;
    if (!proc || slot.state !== 'running') return Promise.reject(new Error(`channel ${channel} is ${slot.state}; try again when it is running`));
    const id = this.nextConfigId++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        slot.pending.delete(id);
        reject(new Error(`channel ${channel}: no answer to the new cascade within ${timeoutMs} ms`));
      }, timeoutMs);
      slot.pending.set(id, { resolve, reject, timer, cascade });
      if (!proc.send({ type: 'configure', id, cascade })) {
        clearTimeout(timer);
        slot.pending.delete(id);
        reject(new Error(`channel ${channel}: process is gone`));
      }
    });
  }

  /** Test hook passthrough (`testHooks` must be on): make a worker hang or crash. */
  debug(channel: number, what: 'debug-hang' | 'debug-crash'): void {
    this.slots.get(channel)?.proc?.send({ type: what });
  }

  /** The channel's current process id (null while down). */
  pid(channel: number): number | null {
    return this.slots.get(channel)?.proc?.pid ?? null;
  }

  /** Output ring of a channel in relay mode (null while down). */
  outputRing(channel: number): string | null {
    return this.slots.get(channel)?.outputRing ?? null;
  }

  /** Stop one channel's process (no restart); it stays listed as `stopped` until started again. */
  async stopChannel(channel: number): Promise<void> {
    const slot = this.slots.get(channel);
    if (!slot) return;
    slot.stopping = true;
    if (slot.restartTimer) clearTimeout(slot.restartTimer);
    slot.restartTimer = null;
    for (const w of slot.readyWaiters.splice(0)) w.reject(new Error(`channel ${channel} stopped`));
    const proc = slot.proc;
    if (proc && !proc.exited) {
      slot.stopping = true;
      proc.send({ type: 'stop' });
      const exited = new Promise<void>((r) => proc.onExit(() => r()));
      const t = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 500).unref());
      if ((await Promise.race([exited, t])) === 'timeout') await proc.kill(this.o.killGraceMs);
      if (proc.pid) unlinkShm(`${this.o.prefix}-out${channel}-${proc.pid}-`);
    }
    slot.proc = null;
    slot.outputRing = null;
    this.setState(slot, 'stopped');
  }

  /** Stop every channel and the timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.channels.map((c) => this.stopChannel(c)));
    if (this.spareTimer) clearTimeout(this.spareTimer);
    await Promise.all(this.spares.splice(0).map((p) => p.kill(300)));
    clearInterval(this.healthTimer);
    clearInterval(this.watchdog);
    unlinkShm(`${this.o.prefix}-out`);
  }

  /** Synchronous last resort (process `exit` handler): SIGKILL every live worker. */
  killAllSync(): void {
    for (const p of this.spares) {
      try {
        if (p.pid) process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const slot of this.slots.values()) {
      slot.stopping = true;
      const pid = slot.proc?.pid;
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    unlinkShm(`${this.o.prefix}-out`);
  }

  /** Health of every channel, now. */
  health(): ChannelHealth[] {
    const now = Date.now();
    const nowNs = this.o.nowNs();
    return this.channels.map((ch) => {
      const s = this.slots.get(ch)!;
      const st = s.stats ?? EMPTY_STATS;
      const r = s.rate;
      const dt = now - r.t;
      const published = this.o.publishedCount?.(ch) ?? st.latestSeq;
      const out = s.base.framesOut + st.framesOut;
      if (dt >= 900) {
        r.fpsIn = ((published - r.published) * 1000) / dt;
        r.fpsOut = ((out - r.out) * 1000) / dt;
        r.t = now;
        r.published = published;
        r.out = out;
      }
      const live = s.state === 'running' || s.state === 'starting';
      return {
        channel: ch,
        label: s.label,
        state: s.state,
        pid: s.proc?.pid ?? null,
        fpsIn: r.fpsIn,
        fpsOut: live ? r.fpsOut : 0,
        skipped: s.base.skipped + st.skipped,
        gaps: s.base.gaps + st.gaps,
        cascadeMsP50: st.cascadeMsP50,
        cascadeMsP99: st.cascadeMsP99,
        lastFrameAgeMs: s.lastSentNs > 0 ? Math.max(0, (nowNs - s.lastSentNs) / 1e6) : Infinity,
        restarts: s.restarts,
        lastError: s.lastError,
        cascade: typeof s.cascade?.name === 'string' ? s.cascade.name : 'cascade',
      };
    });
  }

  /** Latest raw worker stats of a channel (latency percentiles, out-of-order count...). */
  workerStats(channel: number): WorkerStats | null {
    return this.slots.get(channel)?.stats ?? null;
  }

  /** Notified on every state change and every `healthIntervalMs`. Returns an unsubscribe function. */
  onHealth(cb: (h: ChannelHealth[]) => void): () => void {
    this.healthCbs.add(cb);
    return () => this.healthCbs.delete(cb);
  }

  /** Relay mode: a display frame was published on `channel`'s output ring. */
  onFrame(cb: (channel: number, seq: number) => void): () => void {
    this.frameCbs.add(cb);
    return () => this.frameCbs.delete(cb);
  }

  /** Paced relay mode: the worker of `channel` read frame `seq` and did not process it (nobody asked). */
  onPassed(cb: (channel: number, seq: number) => void): () => void {
    this.passedCbs.add(cb);
    return () => this.passedCbs.delete(cb);
  }

  /**
   * Display on demand (relay mode): while on, workers process only the frames `pull` asks for and
   * pass the others (`WorkerPace`). Applies to running workers now and to (re)started ones at init.
   */
  setPaced(on: boolean): void {
    if (this.paced === on || this.o.display !== 'relay') return;
    this.paced = on;
    for (const slot of this.slots.values()) slot.proc?.send({ type: 'pace', on });
  }

  /** Paced: ask `channel`'s worker for a display frame (its next source frame). False if it has no process. */
  pull(channel: number): boolean {
    const proc = this.slots.get(channel)?.proc;
    return proc ? proc.send({ type: 'pull' }) : false;
  }

  /** Relay mode: a channel's output ring appeared, changed (new geometry) or went away. */
  onOutputRing(cb: (e: OutputRingEvent) => void): () => void {
    this.outputCbs.add(cb);
    return () => this.outputCbs.delete(cb);
  }

  private publishHealth(): void {
    if (!this.healthCbs.size) return;
    const h = this.health();
    for (const cb of this.healthCbs) {
      try {
        cb(h);
      } catch (err) {
        this.log(`health listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
