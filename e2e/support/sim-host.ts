/**
 * A pure-JS stand-in for the engine, for developing and checking the UI when the native engine
 * is not available (`npx tsx e2e/support/sim-host.ts`). NOT what `specula serve` ships: serve
 * always runs the real Engine. Frames: 256×160 uint8 (SIM_W / SIM_H / SIM_DTYPE=u8|f32 change it,
 * e.g. for profiling the page), a moving pattern with the channel id drawn as bars so that a tile
 * showing another channel's image would be visible. Patterns are computed once (a cycle of
 * PATTERNS per channel) and copied per frame, so the stand-in costs little CPU next to the page.
 * The latency ledger's bridge methods are served too, so the page's probe is exercised.
 */
import type { BridgeEventName, BridgeEvents, BridgeHandlers, ChannelInfo, EngineState } from '../../src/shared/bridge';
import type { CascadeSpec } from '../../src/shared/cascade-spec';
import { DH, DISPLAY_HEADER_OFFSET, DISPLAY_PIXELS_OFFSET, Hop, TIMING_OFFSET, displayFrameBytes } from '../../src/shared/display-frame';
import { DType, newFrameHeader, writeFrameHeader } from '../../src/shared/frame-header';
import type { ChannelHealth } from '../../src/shared/health';
import type { BridgeHost, FrameLease } from '../../src/host/server/bridge-host';
import { findPresetDir, listPresets, loadPreset } from '../../src/host/server/presets';
import { RejectedError, needBool, needChannel } from '../../src/host/server/rpc';
import { newToken } from '../../src/host/server/token';
import { latencyHandlers } from '../../src/engine/latency/bridge-handlers';
import { LatencyService } from '../../src/engine/latency/service';
import { startWebServer } from '../../src/host/server/web-server';

const W = Number(process.env.SIM_W ?? 256);
const H = Number(process.env.SIM_H ?? 160);
const SIM_DTYPE = process.env.SIM_DTYPE === 'f32' ? DType.F32 : DType.U8;
const PATTERNS = 16;

export class SimHost implements BridgeHost {
  readonly state: EngineState = { running: true, paused: false, stalled: [], mode: 'web', budgetMs: 100, source: 'js-sim' };
  readonly channels: ChannelInfo[];
  private readonly listeners = new Set<(n: BridgeEventName, d: unknown) => void>();
  private readonly frameLs = new Set<(f: FrameLease) => void>();
  private readonly seq: number[];
  private readonly down = new Map<number, number>();
  private readonly restarts = new Map<number, number>();
  private readonly cascades = new Map<number, CascadeSpec>();
  private readonly t0 = performance.now();
  private timers: ReturnType<typeof setInterval>[] = [];
  readonly handlers: BridgeHandlers;
  readonly latency = new LatencyService({ now: () => this.nowNs() });
  /** Per channel, PATTERNS precomputed pixel blocks. */
  private readonly patterns: Uint8Array[][] = [];

  constructor(n: number, private readonly fps = 30) {
    const presetDir = findPresetDir();
    const light = loadPreset(presetDir, 'light');
    this.channels = Array.from({ length: n }, (_, c) => ({ channel: c, label: `CH ${c}`, fps, lines: H, samples: W, enabled: true, cascade: light.name }));
    this.seq = this.channels.map(() => 0);
    for (const c of this.channels) this.cascades.set(c.channel, light);
    this.handlers = {
      'engine.state': () => this.state,
      'engine.clock': () => ({ monotonicNs: this.nowNs() }),
      'channels.list': () => this.channels,
      'health.get': () => this.health(),
      'device.pause': (p) => {
        this.state.paused = needBool(p.paused, 'paused');
        this.emit('state', this.state);
        return this.state;
      },
      'device.stall': (p) => {
        const c = needChannel(p);
        const s = needBool(p.stalled, 'stalled');
        this.state.stalled = s ? [...new Set([...this.state.stalled, c])] : this.state.stalled.filter((x) => x !== c);
        this.emit('state', this.state);
        return this.state;
      },
      'worker.kill': (p) => {
        const c = needChannel(p);
        this.down.set(c, performance.now());
        this.emit('health', this.health());
        return { killedPid: 1000 + c };
      },
      'cascade.get': (p) => ({ channel: needChannel(p), spec: this.cascades.get(p.channel)!, stageMs: Object.fromEntries(this.cascades.get(p.channel)!.stages.map((s, i) => [s.id, 0.5 + i * 0.3])) }),
      'cascade.set': (p) => {
        if (!p.spec || !Array.isArray(p.spec.stages)) throw new RejectedError('cascade: "stages" must be an array');
        for (const s of p.spec.stages) for (const [k, v] of Object.entries(s.params ?? {})) if (typeof v === 'number' && v < 0) throw new RejectedError(`stage ${s.id}: ${k} must be >= 0, got ${v}`);
        const chans = p.channels ?? this.channels.map((c) => c.channel);
        for (const c of chans) this.cascades.set(c, p.spec);
        return { applied: chans };
      },
      'presets.list': () => listPresets(presetDir),
      'presets.get': (p) => loadPreset(presetDir, p.name),
      ...latencyHandlers(this.latency),
    };
  }

  private pattern(c: number, k: number): Uint8Array {
    let list = this.patterns[c];
    if (!list) list = this.patterns[c] = [];
    if (!list[k]) {
      const t = k / PATTERNS;
      const px = new Uint8Array(W * H * (SIM_DTYPE === DType.F32 ? 4 : 1));
      const f32 = SIM_DTYPE === DType.F32 ? new Float32Array(px.buffer) : null;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let v = 128 + 100 * Math.sin(x / (8 + c * 3) + t * 6.283) * Math.cos(y / 12 - t * 6.283);
          if (y < 20 && x < 20 + c * 24 && x % 24 < 16) v = 255; // channel id as bars
          if (f32) f32[y * W + x] = v;
          else px[y * W + x] = v;
        }
      }
      list[k] = px;
    }
    return list[k];
  }

  nowNs(): number {
    return Math.round((performance.now() - this.t0 + 1e6) * 1e6);
  }

  health(): ChannelHealth[] {
    const now = performance.now();
    return this.channels.map((c) => {
      const d = this.down.get(c.channel);
      const state = d === undefined ? 'running' : now - d < 600 ? 'down' : 'restarting';
      return { channel: c.channel, label: c.label, state, pid: d === undefined ? 1000 + c.channel + 100 * (this.restarts.get(c.channel) ?? 0) : null, fpsIn: this.fps, fpsOut: this.fps, skipped: 0, gaps: 0, cascadeMsP50: 2, cascadeMsP99: 3, lastFrameAgeMs: 10, restarts: 0, lastError: d === undefined ? null : 'killed (SIGKILL)', cascade: 'light' };
    });
  }

  start(): void {
    this.timers.push(setInterval(() => this.tick(), 1000 / this.fps));
    this.timers.push(setInterval(() => {
      const now = performance.now();
      for (const [c, t] of this.down) if (now - t > 1000) {
        this.down.delete(c);
        this.restarts.set(c, (this.restarts.get(c) ?? 0) + 1);
      }
      this.emit('health', this.health());
    }, 250));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }

  private tick(): void {
    if (this.state.paused) return;
    for (const c of this.channels) {
      if (this.state.stalled.includes(c.channel) || this.down.has(c.channel)) continue;
      const seq = ++this.seq[c.channel];
      const bytes = new Uint8Array(displayFrameBytes(W, H, SIM_DTYPE));
      writeFrameHeader(bytes, { ...newFrameHeader(), channel: c.channel, seq, tAcquiredNs: this.nowNs(), tRingWriteNs: this.nowNs(), lines: H, samples: W, dtype: SIM_DTYPE });
      const dv = new DataView(bytes.buffer);
      dv.setUint32(DISPLAY_HEADER_OFFSET + DH.width, W, true);
      dv.setUint32(DISPLAY_HEADER_OFFSET + DH.height, H, true);
      dv.setUint16(DISPLAY_HEADER_OFFSET + DH.dtype, SIM_DTYPE, true);
      if (SIM_DTYPE === DType.F32) {
        dv.setFloat32(DISPLAY_HEADER_OFFSET + DH.vmin, 0, true);
        dv.setFloat32(DISPLAY_HEADER_OFFSET + DH.vmax, 255, true);
      }
      bytes.set(this.pattern(c.channel, seq % PATTERNS), DISPLAY_PIXELS_OFFSET);
      const tNs = this.nowNs();
      for (let h = 0; h < Hop.Received; h++) dv.setFloat64(TIMING_OFFSET + h * 8, tNs, true); // engine hops
      let refs = 1;
      const lease: FrameLease = { bytes, retain: () => void refs++, release: () => void refs-- };
      for (const l of this.frameLs) l(lease);
      lease.release();
    }
  }

  private emit<E extends BridgeEventName>(n: E, d: BridgeEvents[E]): void {
    for (const l of this.listeners) l(n, d);
  }
  onEvent(l: <E extends BridgeEventName>(n: E, d: BridgeEvents[E]) => void): () => void {
    const f = l as (n: BridgeEventName, d: unknown) => void;
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }
  onFrame(l: (f: FrameLease) => void): () => void {
    this.frameLs.add(l);
    return () => this.frameLs.delete(l);
  }
}

const isMain = process.argv[1] && /sim-host\.ts$/.test(process.argv[1]);
if (isMain) {
  const n = Number(process.env.CHANNELS ?? 4);
  const host = new SimHost(n, Number(process.env.SIM_FPS ?? 30));
  host.start();
  const srv = await startWebServer({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0), token: newToken(), root: process.env.SIM_RENDERER ?? 'out/renderer', bridge: host });
  console.log(`sim workbench: ${srv.url}`);
  const stop = () => {
    host.stop();
    void srv.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
