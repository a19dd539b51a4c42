/**
 * The real `Engine` behind the bridge: control-call handlers, events (health, state, channels,
 * cascade) and display frames (relay mode leases). Used by `specula serve` and, for the control
 * half, by Electron main.
 */
import type { BridgeEventName, BridgeEvents, BridgeHandlers, CascadeState, ChannelInfo, EngineState } from '../../shared/bridge';
import type { ChannelHealth } from '../../shared/health';
import type { CascadeSpec } from '../../shared/cascade-spec';
import type { Engine } from '../../engine/engine';
import type { BridgeHost, DisplayDemand, FrameLease, HostEvent } from './bridge-host';
import { listPresets, loadPreset } from './presets';
import { RejectedError, needBool, needChannel, optChannels } from './rpc';
import { StaleWatch } from '../../engine/stale-watch';

export interface EngineHostOptions {
  mode: 'electron' | 'web';
  budgetMs?: number;
  presetDir: string | null;
  /** The cascade every channel was started with. */
  cascade: CascadeSpec;
  /** Relay frames to `onFrame` (web); Electron uses ports instead. */
  relayFrames: boolean;
  /** Kill a process by pid (injected for tests). */
  kill?: (pid: number, sig: NodeJS.Signals) => void;
}

type Listener = (name: BridgeEventName, data: unknown) => void;

/** Minimum interval between two `health` events, ms (a state change still shows within it). */
export const HEALTH_MS = 250;

/** Engine methods the host uses beyond the common facade, when this engine has them. */
interface OptionalEngineApi {
  startChannel?: (channel: number) => Promise<void>;
  stopChannel?: (channel: number) => Promise<void>;
  stageMs?: (channel: number) => Record<string, number> | null;
}

export class EngineHost implements BridgeHost {
  readonly handlers: BridgeHandlers;
  private readonly listeners = new Set<Listener>();
  private readonly cascades = new Map<number, CascadeSpec>();
  private readonly state: EngineState;
  private readonly offHealth: () => void;
  private pendingHealth: ChannelHealth[] | null = null;
  private healthTimer: ReturnType<typeof setTimeout> | null = null;
  private lastHealthAt = 0;
  private lastStates = '';
  /** Web mode: the engine's own judgement of stalled channels (`stale` events). */
  private readonly staleWatch: StaleWatch | null = null;
  private readonly offFrames: () => void = () => undefined;
  private readonly offPassed: () => void = () => undefined;
  /** Web mode: display on demand (the web server asks for frames as its clients can take them). */
  readonly demand?: DisplayDemand;

  constructor(private readonly engine: Engine, private readonly o: EngineHostOptions) {
    for (const ch of engine.info.channels) this.cascades.set(ch, o.cascade);
    this.state = { running: true, paused: false, stalled: [], mode: o.mode, budgetMs: o.budgetMs ?? 100, source: 'simulator' };
    // The engine reports health on every state change and heartbeat (tens per second with many
    // channels); clients need a few per second: coalesce, newest wins, at most one per HEALTH_MS.
    this.offHealth = engine.onHealth((h) => {
      this.pendingHealth = h;
      // A process state change (down, restarting, running again) goes out at once.
      const states = h.map((x) => `${x.channel}:${x.state}:${x.pid}`).join(',');
      if (states !== this.lastStates) {
        this.lastStates = states;
        if (this.healthTimer) clearTimeout(this.healthTimer);
        this.healthTimer = null;
        this.lastHealthAt = Date.now();
        this.pendingHealth = null;
        this.emit('health', h);
        return;
      }
      if (this.healthTimer) return;
      const wait = Math.max(0, this.lastHealthAt + HEALTH_MS - Date.now());
      this.healthTimer = setTimeout(() => {
        this.healthTimer = null;
        this.lastHealthAt = Date.now();
        const latest = this.pendingHealth;
        this.pendingHealth = null;
        if (latest) this.emit('health', latest);
      }, wait);
      this.healthTimer.unref?.();
    });
    // Web mode: judge stalls on the frames as the cascades produce them, not as a slow display
    // path delivers them (stale-watch.ts). In Electron each worker judges its own channel and
    // posts the verdict on its frame port (display-sink.ts).
    if (o.relayFrames) {
      const watch = new StaleWatch(() => engine.info.fps, (n) => this.emit('stale', n));
      this.staleWatch = watch;
      this.offFrames = engine.onFrameProduced((ch, seq) => watch.frame(ch, seq));
      // With display on demand most frames are read and passed, not processed: they still show
      // that the source and the worker are alive, at the source's cadence.
      this.offPassed = engine.onFramePassed((ch, seq) => watch.frame(ch, seq));
      this.demand = {
        setPaced: (on) => engine.setDisplayPaced(on),
        pull: (ch) => engine.pullDisplayFrame(ch),
        channels: () => engine.info.channels,
      };
    }
    const kill = o.kill ?? ((pid: number, sig: NodeJS.Signals) => process.kill(pid, sig));
    const ext = engine as unknown as OptionalEngineApi;
    const known = (ch: number) => {
      if (!engine.info.channels.includes(ch)) throw new RejectedError(`unknown channel ${ch} (channels: ${engine.info.channels.join(', ')})`);
      return ch;
    };

    this.handlers = {
      // The source follows the engine (a replay switches it), so a reloaded page shows the truth.
      'engine.state': () => ({ ...this.state, source: this.sourceLabel(), acquisition: this.engine.acquisitionPriority()?.state }),
      'engine.clock': () => ({ monotonicNs: engine.native.monotonicNs() }),
      'channels.list': () => this.channels(),
      'health.get': () => engine.health(),
      'channels.start': async (p) => {
        const chans = optChannels(p.channels);
        if (chans) {
          if (!ext.startChannel) throw new RejectedError('this engine cannot start single channels; call channels.start without "channels"');
          for (const c of chans) await ext.startChannel(known(c));
        } else {
          engine.resume();
          this.state.running = true;
          this.state.paused = false;
        }
        return this.changed();
      },
      'channels.stop': async (p) => {
        const chans = optChannels(p.channels);
        if (chans) {
          if (!ext.stopChannel) throw new RejectedError('this engine cannot stop single channels; call channels.stop without "channels"');
          for (const c of chans) await ext.stopChannel(known(c));
        } else {
          engine.pause();
          this.state.running = false;
        }
        return this.changed();
      },
      'device.pause': (p) => {
        const paused = needBool(p.paused, 'paused');
        if (paused) engine.pause();
        else engine.resume();
        this.state.paused = paused;
        if (!paused) this.state.running = true;
        return this.changed();
      },
      'device.stall': (p) => {
        const ch = known(needChannel(p));
        const stalled = needBool(p.stalled, 'stalled');
        engine.stall(ch, stalled);
        const set = new Set(this.state.stalled);
        if (stalled) set.add(ch);
        else set.delete(ch);
        this.state.stalled = [...set].sort((a, b) => a - b);
        return this.changed();
      },
      'worker.kill': (p) => {
        const ch = known(needChannel(p));
        const pid = engine.pid(ch);
        if (pid !== null) kill(pid, 'SIGKILL');
        return { killedPid: pid };
      },
      'cascade.get': (p) => this.cascadeState(known(needChannel(p))),
      'cascade.set': async (p) => {
        if (!p.spec || typeof p.spec !== 'object' || Array.isArray(p.spec)) throw new RejectedError('spec must be a cascade object (see resources/cascades/*.json)', 'bad-params');
        const chans = optChannels(p.channels)?.map(known) ?? engine.info.channels;
        try {
          if (chans.length === engine.info.channels.length && p.channels === undefined) await engine.setCascade('all', p.spec);
          else for (const c of chans) await engine.setCascade(c, p.spec);
        } catch (e) {
          throw new RejectedError(e instanceof Error ? e.message : String(e));
        }
        for (const c of chans) {
          this.cascades.set(c, p.spec);
          this.emit('cascade', this.cascadeState(c));
        }
        this.emit('channels', this.channels());
        return { applied: chans };
      },
      'presets.list': () => listPresets(o.presetDir),
      'presets.get': (p) => loadPreset(o.presetDir, p.name),
    };
  }

  /**
   * Add another area's calls (latency, record/replay…) to the table. Later entries win, so an area
   * can also replace a default. Returns this for chaining.
   */
  extend(extra: BridgeHandlers): this {
    Object.assign(this.handlers, extra);
    return this;
  }

  /** The cascade a channel runs now (null for an unknown channel). */
  cascadeOf(channel: number): CascadeSpec | null {
    return this.cascades.get(channel) ?? null;
  }

  /** Push an event of another area to every client (a few per second at most). */
  emitEvent<E extends BridgeEventName>(name: E, data: BridgeEvents[E]): void {
    this.emit(name, data);
  }

  private cascadeState(ch: number): CascadeState {
    const ext = this.engine as unknown as OptionalEngineApi;
    return { channel: ch, spec: this.cascades.get(ch)!, stageMs: ext.stageMs?.(ch) ?? {} };
  }

  channels(): ChannelInfo[] {
    const i = this.engine.info;
    return i.channels.map((ch) => ({ channel: ch, label: `CH ${ch}`, fps: i.fps, lines: i.lines, samples: i.samples, enabled: true, cascade: this.cascades.get(ch)?.name ?? '?' }));
  }

  private changed(): EngineState {
    this.emit('state', this.state);
    return this.state;
  }

  private emit<E extends BridgeEventName>(name: E, data: BridgeEvents[E]): void {
    for (const l of this.listeners) l(name, data);
  }

  onEvent(listener: <E extends BridgeEventName>(name: E, data: BridgeEvents[E]) => void): () => void {
    const l = listener as Listener;
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** The channels the engine judges stale now, for a client that connects meanwhile. */
  currentEvents(): HostEvent[] {
    return (this.staleWatch?.staleNow() ?? []).map((n) => ({ name: 'stale' as const, data: n }));
  }

  onFrame(listener: (frame: FrameLease) => void): () => void {
    if (!this.o.relayFrames) return () => undefined;
    return this.engine.onDisplayFrame(listener);
  }

  close(): void {
    this.offHealth();
    this.offFrames();
    this.offPassed();
    this.staleWatch?.close();
    if (this.healthTimer) clearTimeout(this.healthTimer);
    this.healthTimer = null;
    this.listeners.clear();
  }

  /** 'simulator', or 'replay <file>' while a recording feeds the rings. */
  private sourceLabel(): string {
    const info = this.engine.info;
    if (info.source !== 'replay') return this.state.source;
    const path = info.replayPath ?? '';
    return `replay ${path.slice(path.lastIndexOf('/') + 1)}`;
  }
}
