/**
 * When a tile must say it is not live. Pure functions, driven by a timer independent of frame
 * arrival (a stalled channel delivers no frames to trigger anything), and by the engine's own
 * judgement where it gives one (the `stale` event: `src/engine/stale-watch.ts`, sent by the web server
 * or, in Electron, by each channel's worker on its frame port).
 */
import { STALE_PERIODS } from '../../../shared/cadence';
import type { ChannelHealth } from '../../../shared/health';

export { STALE_PERIODS };

export type TileSignal =
  | { kind: 'live' }
  | { kind: 'waiting' } // no frame yet
  /**
   * No new frame for 3 periods. `by`: who said so — `engine`, the producer's watch (the cascade
   * stopped producing: no signal), or only `page`, this page's watchdog (no new frame got here: the
   * source stopped, or the source still produces and the display is behind; it cannot tell which).
   */
  | { kind: 'stale'; ageMs: number; by: 'engine' | 'page' }
  /** No new frame because the user paused the source (device or replay): not live, but no fault. */
  | { kind: 'held'; reason: string; ageMs: number }
  | { kind: 'down'; state: string; error: string | null }
  | { kind: 'disconnected' };

/**
 * @param lastArrivalMs page time of the newest frame (-1: none yet)
 * @param periodMs the channel's frame period (nominal, or as delivered: `ChannelSlot.periodMs`)
 * @param engineStaleAgeMs null, or how old the channel's newest frame is by the engine's account
 *   when the engine says its cascade stopped producing (it sees the production cadence, which a
 *   slow display path cannot stretch): stale even if a late frame just reached the page.
 */
export function tileSignal(nowMs: number, lastArrivalMs: number, periodMs: number, health: ChannelHealth | undefined, connected: boolean, heldReason: string | null = null, engineStaleAgeMs: number | null = null): TileSignal {
  if (!connected) return { kind: 'disconnected' };
  if (health && (health.state === 'down' || health.state === 'restarting' || health.state === 'stopped')) {
    return { kind: 'down', state: health.state, error: health.lastError };
  }
  if (lastArrivalMs < 0) return { kind: 'waiting' };
  const pageAge = nowMs - lastArrivalMs;
  if (pageAge <= STALE_PERIODS * periodMs && engineStaleAgeMs === null) return { kind: 'live' };
  // The older of the two accounts: a frame that reached the page late is no younger for it.
  const age = engineStaleAgeMs === null ? pageAge : Math.max(pageAge, engineStaleAgeMs);
  // A paused source still must not look live, but calling it a lost signal would be a lie too.
  return heldReason ? { kind: 'held', reason: heldReason, ageMs: age } : { kind: 'stale', ageMs: age, by: engineStaleAgeMs === null ? 'page' : 'engine' };
}

/**
 * Why no frames come although nothing failed: the device or the replay was paused by the user.
 * Null while the source is meant to be producing.
 */
export function heldReason(devicePaused: boolean, replayState: string | null): string | null {
  if (replayState === 'paused') return 'REPLAY PAUSED';
  if (replayState === 'ended') return 'REPLAY ENDED';
  if (devicePaused) return 'DEVICE PAUSED';
  return null;
}

/** Nominal frame period of a channel, ms. */
export function nominalPeriodMs(fps: number | undefined): number {
  return 1000 / (fps && fps > 0 ? fps : 30);
}

/** "0.43 s", "12.3 s", "3 min 02 s" */
export function formatAge(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${m} min ${String(s).padStart(2, '0')} s`;
}
