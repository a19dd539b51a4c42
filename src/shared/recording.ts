/**
 * Record / replay / export contract between the engine and the UI (plain JSON), and the bridge
 * calls and events for them (added to `BridgeRequests` / `BridgeEvents` by declaration merging, as
 * src/shared/bridge.ts describes). Implemented engine-side by `createRecordReplayHandlers`
 * (src/engine/replay/bridge-handlers.ts); used by the timeline and the recording indicator in
 * src/renderer/src/replay/.
 */

export type RecorderState = 'recording' | 'stopping' | 'stopped' | 'failed';

export interface RecorderChannelStatus {
  channel: number;
  /** Frames written (or queued to be written). */
  recorded: number;
  /** Frames the device published during the recording that are not in the file (disk behind). */
  dropped: number;
  /** Frames read from the ring and not yet written. */
  queued: number;
}

/** The recorder right now: drives the always-visible recording indicator. */
export interface RecorderStatus {
  state: RecorderState;
  path: string;
  /** ISO-8601 wall clock at start. */
  startedAt: string;
  elapsedMs: number;
  /** Bytes written to the file so far. */
  bytes: number;
  framesRecorded: number;
  framesDropped: number;
  channels: RecorderChannelStatus[];
  error: string | null;
}

export type ReplaySpeed = number | 'max';
export type ReplayPlayState = 'playing' | 'paused' | 'ended' | 'error' | 'closed';

/** Replay position and settings: drives the timeline. Times are ns from the recording's first frame. */
export interface ReplayState {
  path: string;
  state: ReplayPlayState;
  /** 0.1 … 8, or 'max' (as fast as possible). */
  speed: ReplaySpeed;
  positionNs: number;
  durationNs: number;
  loop: { startNs: number; endNs: number } | null;
  /** Frame index of the primary channel at the position (−1 before its first frame), and its count. */
  frameIndex: number;
  frameCount: number;
  primaryChannel: number;
  channels: { channel: number; label: string; frames: number; reference: boolean }[];
  framesPublished: number;
  /** Non-empty when the file was not closed cleanly (played up to its last complete chunk). */
  warning: string;
  error: string | null;
}

export const REPLAY_MIN_SPEED = 0.1;
export const REPLAY_MAX_SPEED = 8;
/** Speeds the timeline offers. */
export const REPLAY_SPEEDS: readonly ReplaySpeed[] = [0.1, 0.25, 0.5, 1, 2, 4, 8, 'max'];

/** One timeline command. */
export type ReplayCommand =
  | { op: 'play' }
  | { op: 'pause' }
  | { op: 'speed'; speed: ReplaySpeed }
  | { op: 'seek'; positionNs: number }
  | { op: 'step'; frames: number }
  | { op: 'loop'; range: { startNs: number; endNs: number } | null }
  | { op: 'start' }
  | { op: 'end' }
  /** Publish the current frames again (after a cascade change while paused: same frames reprocessed). */
  | { op: 'refresh' };

/** A recording file the engine can see. */
export interface RecordingFileInfo {
  path: string;
  name: string;
  bytes: number;
  modified: string;
}

/** Result of an export. */
export interface ExportResult {
  files: string[];
}

declare module './bridge' {
  interface BridgeRequests {
    /** Start recording the live rings (all channels incl. reference, or the given ones). */
    'record.start': { params: { channels?: number[]; out?: string; note?: string; compression?: 'none' | 'lz4' }; result: RecorderStatus };
    /** Stop and finalise the recording (index, stats). */
    'record.stop': { params: Record<string, never>; result: RecorderStatus | null };
    'record.status': { params: Record<string, never>; result: RecorderStatus | null };
    /** Recordings in the recordings folder (and the bundled sample). */
    'recordings.list': { params: Record<string, never>; result: RecordingFileInfo[] };
    /** Open a recording for replay into the channel rings (paused on its first frame unless autoplay). */
    'replay.open': { params: { path: string; autoplay?: boolean; speed?: ReplaySpeed }; result: ReplayState };
    'replay.close': { params: Record<string, never>; result: { closed: boolean } };
    'replay.state': { params: Record<string, never>; result: ReplayState | null };
    'replay.control': { params: ReplayCommand; result: ReplayState };
    /**
     * Export the current replay frame of a channel — raw as recorded, or processed (the channel's
     * cascade run over that frame) — as .npy and/or PNG; or a time range of raw frames as an .npy stack.
     */
    'export.frame': { params: { channel: number; format: 'npy' | 'png' | 'both'; processed?: boolean; rangeNs?: { startNs: number; endNs: number } }; result: ExportResult };
  }
  interface BridgeEvents {
    /** Recorder status, ~2 per second while recording and once at stop. */
    record: RecorderStatus | null;
    /** Replay state on every change and ~4 per second while playing. */
    replay: ReplayState | null;
  }
}
