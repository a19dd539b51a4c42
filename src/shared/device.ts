/**
 * Device and ring naming shared by the native connector, the engine and the recorder.
 */

/** Channel id of the simulated device's hum reference channel (not displayed; feeds NLMS). */
export const REFERENCE_CHANNEL_ID = 255;

/** Default frame geometry of the simulated device: 600 lines × 1024 samples uint16 = 1.2 MB. */
export const DEFAULT_LINES = 600;
export const DEFAULT_SAMPLES = 1024;
export const DEFAULT_FPS = 30;

/**
 * POSIX shm name of a channel's ring: `/<prefix>-ch<channel>`. The prefix carries the owning
 * process id so a crashed run's rings can be recognised (and reclaimed) at the next start.
 */
export function ringName(prefix: string, channel: number): string {
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(prefix)) throw new TypeError(`ringName: prefix must be [A-Za-z0-9_.-]{1,200}, got ${JSON.stringify(prefix)}`);
  if (!Number.isInteger(channel) || channel < 0 || channel > 65535) throw new RangeError(`ringName: channel must be an integer 0..65535, got ${channel}`);
  return `/${prefix}-ch${channel}`;
}
