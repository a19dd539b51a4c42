/**
 * THE bridge contract between the engine and the workbench UI.
 *
 * One typed API, used by three parties:
 * - the Electron preload (`src/preload`) exposes it on `window.specula` (contextBridge);
 * - the web-mode client (`src/renderer/src/bridge/web-client.ts`) implements it over HTTP + a
 *   WebSocket opened inside a Web Worker (`specula serve`, `src/host/server`);
 * - the renderer only ever talks to a `SpeculaBridge`, so it does not know which one it has.
 *
 * Control is request/response (`BridgeRequests`: method name → params and result) plus pushed
 * events (`BridgeEvents`). Both maps are interfaces so other areas can add their calls without
 * editing this file, by declaration merging in their own module:
 *
 * ```ts
 * declare module '../shared/bridge' {
 *   interface BridgeRequests { 'record.start': { params: { out?: string }; result: { file: string } } }
 * }
 * ```
 * and registering a handler for it in the engine-side handler table (`BridgeHandlers`). Method names
 * are dotted lowerCamel words (`METHOD_NAME_PATTERN`); the transports forward any well-formed name
 * and the engine side answers "unknown method" for names it has no handler for.
 *
 * Display frames never travel through the control path. They arrive as whole display-frame messages
 * (layout in `./display-frame.ts`: frame header + timing block + display header + pixels):
 * - Electron: each channel worker (utilityProcess) owns one end of a MessagePort; main hands the other
 *   end to the window (`webContents.postMessage(FRAME_PORT_MESSAGE, {channel}, [port])`), the preload
 *   relays it to the page with `window.postMessage`. Messages follow `FramePortMessage`; the frame is
 *   an ordinary message value (never in the transfer list: electron/electron#34905); the renderer
 *   answers each frame on the same port (any value) and the worker keeps at most `FRAME_WINDOW`
 *   frames unanswered, the newest waiting in the worker; the renderer keeps only the newest frame
 *   per channel until its next draw.
 * - Web mode: one WebSocket (`/ws`) opened by a dedicated Worker. Binary messages are display frames;
 *   text messages are `WsServerMessage` JSON. The worker reads the channel id from each frame's
 *   header, keeps the latest frame per channel and transfers it to the page (`FrameWorkerToPage`).
 *   The page acknowledges a frame when it is done with it (drawn, replaced, or held while frozen:
 *   `SpeculaBridge.frameDone`); the worker then acknowledges it to the server (`encodeFrameAck`: 4
 *   bytes, the channel id). The server sends a channel's next frame only after the previous one was
 *   acknowledged (`FRAME_WINDOW`), and keeps at most `CLIENT_FRAME_WINDOW` frames in flight over all
 *   channels, so neither the socket buffers (kernel and browser: megabytes, i.e. seconds of frames)
 *   nor the page can queue frames: a slow client drops old frames (counted). With an engine that
 *   produces display frames on demand (`DisplayDemand`), the server asks for a channel's frame when
 *   the window has room for it, so the cascade runs only for frames that will be sent at once.
 * The renderer always keys frames by the channel id IN THE FRAME HEADER, never by port or arrival.
 */
import type { CascadeSpec } from './cascade-spec';
import type { ChannelHealth } from './health';

// ---------------------------------------------------------------------------------------------
// Value types
// ---------------------------------------------------------------------------------------------

/** A display channel as the engine configures it. */
export interface ChannelInfo {
  /** Channel id as carried in the frame header (never an index into a list). */
  channel: number;
  /** Human label shown on the tile, e.g. "CH 3". */
  label: string;
  /** Nominal frame rate of the source, frames/s (used for the STALE threshold: 3 periods). */
  fps: number;
  /** Raw frame geometry from the device. */
  lines: number;
  samples: number;
  /** Whether the channel's process is meant to run (started by the user/automation). */
  enabled: boolean;
  /** Name of the cascade the channel runs. */
  cascade: string;
}

/** Overall state of the engine. */
export interface EngineState {
  /** The device is producing frames (started and not paused). */
  running: boolean;
  /** The simulated device is paused (alive, heartbeat on, no frames). */
  paused: boolean;
  /** Channels stalled on purpose (fault injection), by channel id. */
  stalled: number[];
  /** `electron` (desktop app) or `web` (`specula serve`). */
  mode: 'electron' | 'web';
  /** End-to-end display latency budget, ms (status bar pass/fail). */
  budgetMs: number;
  /** Source of the frames: the simulator, a replay, a real driver. */
  source: string;
  /**
   * Scheduling of the acquisition thread (device/driver), e.g. "SCHED_FIFO 30", or why it runs at
   * normal priority ("… not permitted …", "… off (SPECULA_REALTIME)"); absent when not known (replay).
   */
  acquisition?: string;
}

/** A cascade preset known to the engine (from `resources/cascades/`). */
export interface PresetInfo {
  /** File stem, e.g. `light`; what `presets.get` takes. */
  name: string;
  /** Cascade name inside the file. */
  title: string;
  description?: string;
}

/** A channel's cascade with its per-stage timing. */
export interface CascadeState {
  channel: number;
  spec: CascadeSpec;
  /** Recent per-stage wall time, ms, by stage id (empty until the worker reports timings). */
  stageMs: Record<string, number>;
}

/** Error shape returned by every transport (the message is the engine's, e.g. a validation error). */
export interface BridgeErrorInfo {
  message: string;
  /** Machine-readable kind: `unknown-method`, `bad-params`, `rejected` (engine refused), `internal`. */
  code: BridgeErrorCode;
}
export type BridgeErrorCode = 'unknown-method' | 'bad-params' | 'rejected' | 'internal' | 'unauthorized' | 'disconnected';

/** Error thrown by `SpeculaBridge.call` on the caller's side. */
export class BridgeError extends Error {
  readonly code: BridgeErrorCode;
  constructor(info: BridgeErrorInfo) {
    super(info.message);
    this.name = 'BridgeError';
    this.code = info.code;
  }
}

// ---------------------------------------------------------------------------------------------
// Request / response map
// ---------------------------------------------------------------------------------------------

type Empty = Record<string, never>;

/**
 * Every control call: `method → { params; result }`. Extend by declaration merging (see top).
 * Calls are idempotent where that makes sense (start of a started channel is a no-op).
 */
export interface BridgeRequests {
  /** Engine state (running/paused/stalled, mode, budget). */
  'engine.state': { params: Empty; result: EngineState };
  /** Engine monotonic clock, ns (for clock sync: the caller keeps the minimum round trip). */
  'engine.clock': { params: Empty; result: { monotonicNs: number } };
  /** Channels configured, in display order. */
  'channels.list': { params: Empty; result: ChannelInfo[] };
  /** Start the device and the given channels' processes (all when omitted). */
  'channels.start': { params: { channels?: number[] }; result: EngineState };
  /** Stop the given channels' processes (all, and the device, when omitted). */
  'channels.stop': { params: { channels?: number[] }; result: EngineState };
  /** Pause/resume the simulated device (every channel stops producing, heartbeat continues). */
  'device.pause': { params: { paused: boolean }; result: EngineState };
  /** Fault injection: stop producing on one channel (stalled=true) or resume it. */
  'device.stall': { params: { channel: number; stalled: boolean }; result: EngineState };
  /** Fault injection: SIGKILL a channel's process (the supervisor must notice and restart it). */
  'worker.kill': { params: { channel: number }; result: { killedPid: number | null } };
  /** Per-channel health right now (also pushed as the `health` event). */
  'health.get': { params: Empty; result: ChannelHealth[] };
  /** A channel's cascade and its recent per-stage timings. */
  'cascade.get': { params: { channel: number }; result: CascadeState };
  /**
   * Replace the cascade of the given channels (all when omitted). The engine validates it; an
   * invalid cascade is rejected (`code: 'rejected'`, message names the problem) and the old one
   * keeps running.
   */
  'cascade.set': { params: { channels?: number[]; spec: CascadeSpec }; result: { applied: number[] } };
  /** Presets in `resources/cascades/`. */
  'presets.list': { params: Empty; result: PresetInfo[] };
  /** One preset's cascade file, parsed. */
  'presets.get': { params: { name: string }; result: CascadeSpec };
}

export type BridgeMethod = keyof BridgeRequests;
export type BridgeParams<M extends BridgeMethod> = BridgeRequests[M]['params'];
export type BridgeResult<M extends BridgeMethod> = BridgeRequests[M]['result'];

/** Method names are dotted lowerCamel words; transports reject anything else before forwarding. */
export const METHOD_NAME_PATTERN = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/;

/** Engine-side implementation of (some of) the calls; a missing entry answers `unknown-method`. */
export type BridgeHandlers = {
  [M in BridgeMethod]?: (params: BridgeParams<M>) => BridgeResult<M> | Promise<BridgeResult<M>>;
};

// ---------------------------------------------------------------------------------------------
// Event map
// ---------------------------------------------------------------------------------------------

/** Events the engine pushes (a few per second at most; never per frame). Extend by merging. */
export interface BridgeEvents {
  /** Health of every channel, ~4 times a second. */
  health: ChannelHealth[];
  /** Channel list changed (start/stop, reconfiguration). */
  channels: ChannelInfo[];
  /** Engine state changed (pause, stall, start/stop). */
  state: EngineState;
  /** A channel's cascade was replaced (after `cascade.set`) or its stage timings were refreshed. */
  cascade: CascadeState;
  /**
   * The producer's own judgement of a channel's display output (`src/engine/stale-watch.ts`): it
   * sees the cascade publish frames at their real cadence, which a slow display path cannot
   * stretch. Web mode: pushed by the server; Electron: posted by the channel's worker on its frame
   * port (`PortStaleMessage`) and emitted by the renderer's bridge as this event.
   * `stale: true` once no frame was produced for `STALE_PERIODS` periods (`ageMs`: how old the
   * newest frame was when that was decided; `lastFrameMs`: when the engine saw it, engine clock;
   * `thresholdMs`: the silence it judged against, `STALE_PERIODS` × the cadence it observed — so
   * `ageMs − thresholdMs` is how late its timer ran),
   * `stale: false` when the next frame is produced. A client that connects while a channel is
   * stale gets its `stale: true` right after `hello`.
   */
  stale: { channel: number; stale: boolean; ageMs: number; lastFrameMs: number; thresholdMs?: number };
  /** Transport status as seen by the client (web mode: WebSocket open/closed). Local, not pushed. */
  connection: { connected: boolean; reason?: string };
}
export type BridgeEventName = keyof BridgeEvents;

// ---------------------------------------------------------------------------------------------
// The API the renderer sees
// ---------------------------------------------------------------------------------------------

/**
 * One display frame handed to the renderer. `bytes` holds the display-frame layout starting at
 * offset 0 (header at 0, pixels at `DISPLAY_PIXELS_OFFSET`), and is owned by the receiver.
 */
export interface DeliveredFrame {
  /** Channel id read from the frame header by the transport (the renderer re-checks it). */
  channel: number;
  bytes: Uint8Array;
  /** `performance.now()` (page clock, ms) when the page got it. */
  receivedAtMs: number;
  /** Frames the transport dropped for this channel since the previous delivery (latest-wins). */
  droppedBefore: number;
}

/** Receives display frames; called on the page's main thread, at most once per message. */
export type FrameListener = (frame: DeliveredFrame) => void;

/** What `window.specula` (Electron) and the web client both provide. */
export interface SpeculaBridge {
  readonly mode: 'electron' | 'web';
  /** Make a control call; rejects with `BridgeError`. */
  call<M extends BridgeMethod>(method: M, params: BridgeParams<M>): Promise<BridgeResult<M>>;
  /** Subscribe to an engine event; returns the unsubscribe function. */
  on<E extends BridgeEventName>(event: E, listener: (data: BridgeEvents[E]) => void): () => void;
  /** Start receiving display frames (one listener; a second call replaces it). Returns stop. */
  onFrames(listener: FrameListener): () => void;
  /**
   * The renderer is done with a frame of `channel` that `onFrames` delivered: it was drawn (its
   * pixels are on the texture), replaced by a newer one, or is held (frozen / off screen) where a
   * newer one replaces it. Call exactly once per delivered frame. The transport delivers a
   * channel's next frame only after this, so the acknowledgement window covers the whole way to
   * the screen: a page that draws slowly holds frames back at the engine (where a newer one
   * replaces them) instead of queueing them inside the browser.
   */
  frameDone(channel: number): void;
  /**
   * The channels on screen (`null`: all of them). A transport that chooses what to send (web mode:
   * the server's `subscribe`) then sends only these, so the frames a focus view hides leave the
   * share of the page, the socket and (display on demand) the cascades to the channels shown.
   * Electron keeps one port per channel and does nothing here: a hidden channel's frames keep
   * coming and the page holds the newest (acknowledging each at once). Sent again by the transport
   * after a reconnect. Returns whether the transport now holds back the other channels' frames
   * (web: true for a list; Electron: false).
   */
  showOnly(channels: readonly number[] | null): boolean;
}

/**
 * What the Electron preload exposes on `window[PRELOAD_GLOBAL]`: the control half of the bridge.
 * Calls answer a `CallOutcome` (errors do not keep their fields across contextBridge); the page
 * unwraps it. Frames cannot cross contextBridge as ports, so the page receives frame ports via
 * `window.postMessage` (`IPC.pageFramePort`) and completes the bridge itself.
 */
export interface PreloadApi {
  readonly mode: 'electron';
  invoke(method: string, params: unknown): Promise<CallOutcome>;
  on: SpeculaBridge['on'];
}
export const PRELOAD_GLOBAL = 'specula';

// ---------------------------------------------------------------------------------------------
// Wire formats
// ---------------------------------------------------------------------------------------------

/** IPC channel names of the Electron shell (main ⇄ preload). */
export const IPC = {
  /** invoke: `(method, params)` → `{ ok: true, result } | { ok: false, error }`. */
  call: 'specula:call',
  /** main → preload: `(name, data)` engine event. */
  event: 'specula:event',
  /** main → preload via `webContents.postMessage(IPC.framePort, { channel }, [port])`. */
  framePort: 'specula:frame-port',
  /** preload → page `window.postMessage` tag for a relayed frame port. */
  pageFramePort: 'specula:page-frame-port',
} as const;

/** Envelope of every call answer over IPC, HTTP and WebSocket. */
export type CallOutcome<R = unknown> = { ok: true; result: R } | { ok: false; error: BridgeErrorInfo };

/**
 * Messages on an Electron frame port (worker → renderer): the display frame itself, a `Uint8Array`
 * posted as a plain value (one structured-clone copy; see `src/workers/display-sink.ts`). The
 * renderer keeps only the newest per channel (by header channel id) until its next draw.
 */
export type FramePortMessage = Uint8Array | PortStaleMessage;

/**
 * The worker's own judgement of its channel on the frame port (Electron; the web server sends the
 * same as the `stale` event): no frame published for 3 periods, or publishing again. Not a frame:
 * the renderer does not acknowledge it.
 */
export interface PortStaleMessage {
  type: 'stale';
  notice: BridgeEvents['stale'];
}

/** WebSocket text messages, server → client. */
export type WsServerMessage =
  | { type: 'event'; name: BridgeEventName; data: unknown }
  | { type: 'result'; id: number; outcome: CallOutcome }
  | { type: 'hello'; version: number; channels: ChannelInfo[]; state: EngineState };

/** WebSocket text messages, client → server. */
export type WsClientMessage =
  | { type: 'call'; id: number; method: string; params: unknown }
  /** Only send frames of these channels (omit = all); `frames: false` = control only. */
  | { type: 'subscribe'; channels?: number[]; frames?: boolean };

/** Page ⇄ frame worker protocol (web mode). */
export type FrameWorkerToPage =
  | { type: 'frame'; channel: number; buffer: ArrayBuffer; dropped: number }
  | { type: 'text'; message: WsServerMessage }
  | { type: 'status'; connected: boolean; reason?: string };
export type PageToFrameWorker =
  | { type: 'connect'; url: string }
  | { type: 'ack'; channel: number }
  | { type: 'send'; message: WsClientMessage }
  | { type: 'close' };

/**
 * Version of the WebSocket protocol (`hello.version`).
 * 2: the client acknowledges every binary frame (`encodeFrameAck`); frames flow under `FRAME_WINDOW`.
 */
export const WS_PROTOCOL_VERSION = 2;

/**
 * Display frames per channel the server has sent and the client has not acknowledged yet. One: a
 * frame never waits in a socket behind an older frame of its own channel; the cost is one round trip
 * (well under a frame period on a local link) per frame per channel.
 */
export const FRAME_WINDOW = 1;

/**
 * Display frames a web client may have in flight over ALL its channels (on top of `FRAME_WINDOW`
 * per channel). The frames of every channel share one socket and the browser takes them one after
 * another, so with one frame in flight per channel, 16 channels put 16 frames in the pipe and the
 * last waits for the other 15 to be taken (at ~20 ms each on a loaded 2-core box: 300 ms). A frame
 * waiting in the pipe only ages; one waiting on the server is replaced by its channel's newer
 * frame. So the server keeps the pipe short and sends the channel that has waited longest first.
 * With display on demand a place also covers a frame asked for and not yet come (the wait for the
 * channel's next source frame and its cascade, ~20 ms), so 4 rather than 3: interleaved runs, 4
 * light channels 62–72 vs 30–45 frames/s presented with p99 112–140 vs 155–346 ms; 16 channels
 * ~50 vs ~40 frames/s at the same p99; 2 gave fewer frames and no lower latency.
 */
export const CLIENT_FRAME_WINDOW = 4;

/**
 * Display frames the web client's frame worker may have handed to the page and not had
 * acknowledged, over all channels: the same reasoning one hop later (with one frame per channel in
 * flight a busy page once had 16 frames queued at 16 channels). Since the page acknowledges a frame
 * only when it is drawn and the server's window spans the whole way, this bound equals the
 * server's: a smaller one made a frame the server had already sent wait in the worker for a draw
 * (16 light channels: it was most of the `sent→received` tail).
 */
export const PAGE_FRAME_WINDOW = CLIENT_FRAME_WINDOW;

/**
 * Display on demand: how long the web server keeps a window place for a frame it asked the engine
 * for (`DisplayDemand.pull`). The frame is the channel's next source frame, so it normally comes
 * within a frame period plus the cascade; a stalled source or a restarting worker must not hold the
 * place, and a frame that comes later simply waits like any other.
 */
export const PULL_RESERVE_MS = 150;

/**
 * Display on demand: a pull not answered within this time is taken as lost (e.g. the worker restarted)
 * and the channel may be asked again. Until then a channel is not asked twice.
 */
export const PULL_RETRY_MS = 500;

/** A channel's place in a frame queue: the time (ms) since which a frame of it has been waiting. */
export interface WaitingPlace {
  waitingSince: number;
}

/**
 * The place that has waited longest among those `ready` to go: the one fairness rule of both
 * client-wide windows (web server → client, frame worker → page). A newer frame replacing a waiting
 * one keeps its channel's place, so a busy channel cannot push the others back, nor be pushed back
 * itself. A walk over an array with a predicate made once by the caller: nothing allocated.
 */
export function longestWaiting<T extends WaitingPlace>(places: readonly T[], ready: (p: T) => boolean): T | null {
  let best: T | null = null;
  for (let i = 0; i < places.length; i++) {
    const p = places[i];
    if (ready(p) && (best === null || p.waitingSince < best.waitingSince)) best = p;
  }
  return best;
}

/**
 * An acknowledgement missing this long is given up (counted) and the channel flows again: a receiver
 * that lost track must not freeze its channel for good. Acks travel on the same reliable channel as
 * the frames, so this only happens with a receiver that does not acknowledge.
 */
export const ACK_TIMEOUT_MS = 2000;

/**
 * One channel's frames sent and not yet acknowledged, against `FRAME_WINDOW`. The one accounting
 * behind both transports: the web server per client (`ws-bridge.ts`) and the Electron frame port
 * in the worker (`display-sink.ts`). `now` is a millisecond clock.
 */
export class AckWindow {
  /** Frames sent and not acknowledged yet. */
  unacked = 0;
  /** When the oldest unacknowledged frame was sent. */
  private sentAt = 0;

  constructor(private readonly now: () => number) {}

  /** No room for another frame until an acknowledgement arrives. */
  get full(): boolean {
    return this.unacked >= FRAME_WINDOW;
  }

  /** Give up an acknowledgement overdue by more than ACK_TIMEOUT_MS; true when one was given up. */
  expire(): boolean {
    if (this.unacked === 0 || this.now() - this.sentAt <= ACK_TIMEOUT_MS) return false;
    this.unacked = 0;
    return true;
  }

  sent(): void {
    if (this.unacked++ === 0) this.sentAt = this.now();
  }

  /** An acknowledgement arrived; false when none was outstanding (a late one, already given up). */
  acked(): boolean {
    if (this.unacked === 0) return false;
    this.unacked--;
    if (this.unacked > 0) this.sentAt = this.now();
    return true;
  }
}

/** Size of the client's binary frame acknowledgement: the channel id, uint32 little-endian. */
export const FRAME_ACK_BYTES = 4;

/** Write the acknowledgement of one received frame of `channel` into `out` (≥ 4 bytes). */
export function encodeFrameAck(channel: number, out: Uint8Array): Uint8Array {
  if (!Number.isInteger(channel) || channel < 0 || channel > 0xffffffff) throw new RangeError(`frame ack: channel must be a uint32, got ${channel}`);
  if (out.byteLength < FRAME_ACK_BYTES) throw new RangeError(`frame ack: buffer of ${out.byteLength} bytes is shorter than ${FRAME_ACK_BYTES}`);
  out[0] = channel & 0xff;
  out[1] = (channel >>> 8) & 0xff;
  out[2] = (channel >>> 16) & 0xff;
  out[3] = (channel >>> 24) & 0xff;
  return out.subarray(0, FRAME_ACK_BYTES);
}

/** The channel a binary client message acknowledges, or null when it is not a frame ack. */
export function decodeFrameAck(bytes: Uint8Array): number | null {
  if (bytes.byteLength !== FRAME_ACK_BYTES) return null;
  return (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16)) + bytes[3] * 16777216;
}

/** Name of the access-token query parameter, header and cookie in web mode. */
export const TOKEN_QUERY = 'token';
export const TOKEN_HEADER = 'x-specula-token';
export const TOKEN_COOKIE = 'specula_token';

/** Check a `CallOutcome` and unwrap it (throws `BridgeError`). */
export function unwrapOutcome<R>(o: CallOutcome<R>): R {
  if (o.ok) return o.result;
  throw new BridgeError(o.error);
}
