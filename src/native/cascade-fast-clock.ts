/**
 * The stage clock of the TypeScript cascade runner under Node: `stampMs` of the cascade addon
 * (`native/cascade/stamp.cc`), which writes CLOCK_MONOTONIC milliseconds into a Float64Array and so
 * allocates nothing, unlike `performance.now()` (a boxed double per call, 128 B per frame of
 * reference.json). Same clock as the engine's `monotonicNs()` (src/native/api.ts), so stage stamps
 * and frame timestamps compare directly.
 *
 * `src/cascade` cannot import this (it stays free of Node); Node-side callers (the channel
 * worker's processor factory, `specula process`, the benchmark) inject it:
 * `createTsProcessor(tsStageTiming())`, or use `createTimedTsProcessor()`. Without the addon built,
 * the runner's `performance.now()` default is used (correct, but it allocates).
 */
import { createTsProcessor, type StageStamp, type TsProcessorOptions } from '../cascade/runner';
import { loadCascadeModule } from './cascade-fast-addon';

/** The compiled stamp, or why it is unavailable (addon not built or not loadable). */
export function loadStageStamp(): { stamp: StageStamp } | { stamp: null; reason: string } {
  const loaded = loadCascadeModule();
  if (!loaded.addon) return { stamp: null, reason: loaded.reason.replace('fast path unavailable', 'compiled stage clock unavailable') };
  if (typeof loaded.addon.stampMs !== 'function') {
    return { stamp: null, reason: 'compiled stage clock unavailable: the cascade addon has no stampMs (rebuild it: `npm run build:native`)' };
  }
  return { stamp: loaded.addon.stampMs };
}

/** Options for `createTsProcessor`: the compiled stamp when available, else {} (performance.now()). */
export function tsStageTiming(): TsProcessorOptions {
  const s = loadStageStamp();
  return s.stamp ? { stamp: s.stamp } : {};
}

/** A TypeScript processor timed with the non-allocating clock when the addon is built. */
export function createTimedTsProcessor(): ReturnType<typeof createTsProcessor> {
  return createTsProcessor(tsStageTiming());
}
