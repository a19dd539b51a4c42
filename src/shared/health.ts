/**
 * Per-channel health, published by the supervisor (engine) and shown by the UI and `specula run`.
 * Plain JSON: it crosses the bridge as a control message a few times a second, never per frame.
 */

/** Lifecycle of a channel's cascade process. */
export type ChannelProcessState = 'starting' | 'running' | 'restarting' | 'down' | 'stopped';

export interface ChannelHealth {
  channel: number;
  label: string;
  state: ChannelProcessState;
  pid: number | null;
  /** Frames the device published per second (ring sequence rate). */
  fpsIn: number;
  /** Display frames the worker emitted per second. */
  fpsOut: number;
  /** Frames skipped by latest-wins since start (the worker was busy when they arrived). */
  skipped: number;
  /** Sequence numbers never seen by the worker that it could not account for as skips (overruns, source gaps). */
  gaps: number;
  /** Cascade wall time percentiles over the recent window, ms. */
  cascadeMsP50: number;
  cascadeMsP99: number;
  /** Age of the newest frame the worker emitted, ms (engine clock); Infinity before the first one. */
  lastFrameAgeMs: number;
  /** Number of times the supervisor restarted this channel's process. */
  restarts: number;
  /** Last error message of the process (crash reason, rejected cascade...), if any. */
  lastError: string | null;
  /** Name of the cascade the channel runs. */
  cascade: string;
}
