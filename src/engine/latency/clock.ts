/**
 * The engine clock: CLOCK_MONOTONIC in ns as a JS number. On Linux libuv's hrtime reads
 * CLOCK_MONOTONIC, the same clock the native driver stamps `tAcquiredNs` with, so no native call
 * is needed here (and the latency code runs where the addon is not built, e.g. the fake source).
 */
export function engineNowNs(): number {
  return Number(process.hrtime.bigint());
}
