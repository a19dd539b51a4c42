/** Formatting for the timeline and the recording indicator (pure; tested). */

/** ns → "m:ss.mmm" (or "h:mm:ss.mmm" past an hour). */
export function formatTimeNs(ns: number): string {
  if (!Number.isFinite(ns) || ns < 0) ns = 0;
  const totalMs = Math.floor(ns / 1e6);
  const ms = totalMs % 1000;
  const s = Math.floor(totalMs / 1000) % 60;
  const m = Math.floor(totalMs / 60000) % 60;
  const h = Math.floor(totalMs / 3600000);
  const mmss = `${h ? `${h}:${String(m).padStart(2, '0')}` : m}:${String(s).padStart(2, '0')}.${String(ms).padStart(3, '0')}`;
  return mmss;
}

/** ms → "mm:ss" elapsed (hours when needed), for the REC indicator. */
export function formatElapsedMs(ms: number): string {
  const t = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(t / 3600);
  const m = Math.floor(t / 60) % 60;
  const s = t % 60;
  return `${h ? `${h}:` : ''}${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

export function formatBytes(n: number): string {
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export function formatSpeed(s: number | 'max'): string {
  return s === 'max' ? 'max' : `${s}×`;
}
