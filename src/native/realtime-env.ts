/**
 * Whether the app runs its acquisition threads (device thread, ring waiter threads) at real-time
 * priority: opt-in with SPECULA_REALTIME=1 (SPECULA_REALTIME=0 forces them off in the addon too).
 * Why opt-in: with SCHED_FIFO threads on this 2-core machine, worker behaviour under overload
 * changed (skips no longer counted) and a replay refresh raced a cascade change in the tests; the
 * ring benchmark measures both ways (docs/native.md).
 */
export function realtimeWanted(env: Record<string, string | undefined> = process.env): boolean {
  return ['1', 'on', 'true', 'yes'].includes((env.SPECULA_REALTIME ?? '').toLowerCase());
}
