/**
 * Control protocol between the engine (supervisor) and a channel worker process.
 *
 * Only small control messages travel here (a few per second per channel, plus one tiny
 * `frame` notice per display frame in relay mode). Bulk pixel data never does: in relay mode
 * (web / headless) the worker writes display frames into its own shared-memory output ring that the
 * host reads; in port mode (Electron) it posts them on a MessagePort handed over by main, which
 * goes straight to the renderer.
 *
 * Transport: Node child-process IPC (`process.send`) or Electron's `process.parentPort`; both carry
 * these plain JSON-able objects.
 */
import type { CascadeSpec } from '../shared/cascade-spec';

/** How a worker delivers its display frames. */
export type DisplayMode =
  /** Into an output shm ring per channel, read by the host (web/headless). */
  | 'relay'
  /** On a MessagePort received with a `display-port` message (Electron utilityProcess). */
  | 'port'
  /** Nowhere (benchmarks of the cascade stage alone); counted as sent. */
  | 'none';

/** Which `CascadeProcessor` runs the cascade: compiled fast path when it can (`auto`), TS reference path, fast path, or the pipeline-test processor. */
export type ProcessorPath = 'auto' | 'ts' | 'fast' | 'test';

/** Everything a worker needs to start; sent as the first message. */
export interface WorkerInit {
  type: 'init';
  channel: number;
  /** Channel label for logs and health. */
  label: string;
  /** Ring name prefix (`ringName(prefix, channel)`). */
  prefix: string;
  /** The cascade to run first; validated by the worker, which exits with an error if it is invalid. */
  cascade: CascadeSpec;
  display: DisplayMode;
  processor: ProcessorPath;
  /** Output ring name prefix in relay mode; the worker adds `-g<generation>`. */
  outputPrefix: string;
  /** Heartbeat (and stats) period, ms. */
  heartbeatMs: number;
  /** Wait timeout for one native wait, ms (the loop re-arms; it bounds shutdown and death detection). */
  waitTimeoutMs: number;
  /** Allow the test-only debug messages (`debug-hang`, `debug-crash`). */
  testHooks?: boolean;
  /** Nominal frames per second of the channel's source (bounds of the stall watch's period; default 30). */
  fps?: number;
  /**
   * Start in display-on-demand mode (relay: see `WorkerPace`; port: the worker's sink pulls a frame
   * whenever the renderer's acknowledgement window has room, for the whole life of the worker).
   */
  paced?: boolean;
}

/**
 * Display on demand, relay mode: while `on`, the worker runs the cascade only for frames the host
 * asked for (`pull`, one per request, coalesced) and passes the others (read, counted as skipped,
 * reported with a `passed` notice). The host turns it on while a display client takes frames, so
 * the cascade's CPU goes to frames someone will see.
 */
export interface WorkerPace {
  type: 'pace';
  on: boolean;
}

/** Display on demand: process the next frame (see `WorkerPace`). */
export interface WorkerPull {
  type: 'pull';
}

/** Replace the running cascade from the next frame on. Answered by `configured`. */
export interface WorkerConfigure {
  type: 'configure';
  id: number;
  cascade: CascadeSpec;
}

/** Finish the current frame, release everything and exit 0. */
export interface WorkerStop {
  type: 'stop';
}

/** Test hooks (honoured only with `testHooks`): block the event loop forever / throw in the loop. */
export interface WorkerDebug {
  type: 'debug-hang' | 'debug-crash';
}

/** Electron: the MessagePort for display frames travels in this message's transfer list. */
export interface WorkerDisplayPort {
  type: 'display-port';
}

export type HostToWorker = WorkerInit | WorkerConfigure | WorkerStop | WorkerDebug | WorkerDisplayPort | WorkerPace | WorkerPull;

/** Counters a worker reports with every heartbeat (cumulative since the process started). */
export interface WorkerStats {
  /** Frames the device published on the channel ring, as seen by the worker (latest sequence). */
  latestSeq: number;
  /** Frames processed (picked up and run through the cascade). */
  framesIn: number;
  /** Display frames emitted. */
  framesOut: number;
  /** Frames not processed because a newer one was available (latest-wins). */
  skipped: number;
  /** Sequence numbers lost without being a latest-wins skip (overruns, source gaps). */
  gaps: number;
  /** Cascade ms percentiles over the recent window (0 before the first frame). */
  cascadeMsP50: number;
  cascadeMsP99: number;
  /** Ring write → display frame sent, ms, over the recent window. */
  latencyMsP50: number;
  latencyMsP99: number;
  latencyMsMax: number;
  /** Engine-clock ns when the newest display frame was sent (0 before the first). */
  lastSentNs: number;
  /** Sequence of the newest display frame. */
  lastSeq: number;
  /** Sequence of the first frame this process picked up (0 before it). Every number from here to
   * the newest picked is exactly one of: processed (framesIn), skipped, or a source gap. */
  firstSeq: number;
  /** Sequence of the newest frame picked up. */
  lastPickedSeq: number;
  /** Sequence numbers went backwards or repeated (should stay 0). */
  outOfOrder: number;
  /** Display frames the sink could not take (port closed, output ring missing). */
  sinkDrops: number;
  /** Per-stage cascade time, ms (exponential average over recent frames), by stage id. */
  stageMs: Record<string, number>;
  /** Which processor implementation runs the current cascade (`ts` / `fast`). */
  processorPath: string;
}

export interface WorkerReady {
  type: 'ready';
  pid: number;
  /** Output ring name in relay mode (null otherwise). */
  outputRing: string | null;
  /** Display frame byte size of the current cascade output. */
  displayBytes: number;
}

export interface WorkerHeartbeat {
  type: 'heartbeat';
  stats: WorkerStats;
}

/** Relay mode: a display frame was published on the output ring (tiny; the data is in the ring). */
export interface WorkerFrameNotice {
  type: 'frame';
  seq: number;
}

/**
 * Paced: the source published frame `seq` and the worker read it but did not process it (nobody
 * asked). Lets the host see the source's cadence (stall watch) while the display sets the pace.
 */
export interface WorkerPassedNotice {
  type: 'passed';
  seq: number;
}

export interface WorkerConfigured {
  type: 'configured';
  id: number;
  ok: boolean;
  /** Validation / init error when !ok. */
  error?: string;
  /** Output ring name after the change (it changes when the display geometry changes). */
  outputRing: string | null;
  displayBytes: number;
}

/** A fatal error the worker reports just before exiting non-zero. */
export interface WorkerFatal {
  type: 'fatal';
  error: string;
}

export type WorkerToHost = WorkerReady | WorkerHeartbeat | WorkerFrameNotice | WorkerPassedNotice | WorkerConfigured | WorkerFatal;

/** Exit codes of a worker. */
export const WorkerExit = {
  Ok: 0,
  Fatal: 1,
  BadConfig: 3,
  ParentGone: 4,
} as const;
