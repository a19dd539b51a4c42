/**
 * One-call wiring of record / replay / export into a bridge host (e.g. `EngineHost` of
 * `specula serve`):
 *
 * ```ts
 * const rr = attachRecordReplay(host, engine, { recordingsDir, cascadeOf: (ch) => host.cascadeOf(ch) });
 * // … on shutdown: await rr.close();
 * ```
 * Recording works at once on the engine's live rings. Replay needs the engine to hand its channel
 * rings over to the replay driver: pass `openReplaySink` (stop the live device/workers, then e.g.
 * `ringSink(engine.native, prefix, channels)` and start workers on that prefix); without it
 * `replay.open` answers a clear error.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BridgeEventName, BridgeEvents, BridgeHandlers } from '../../shared/bridge';
import type { CascadeSpec } from '../../shared/cascade-spec';
import type { ChannelMeta } from '../record/format';
import { engineDeviceInfo, openEngineSources, type LiveEngineLike } from '../record/engine-sources';
import { createRecordReplayService, type RecordReplayService } from './bridge-handlers';
import type { ReplaySink } from './replay-sink';

export interface BridgeHostLike {
  extend(extra: BridgeHandlers): unknown;
  emitEvent<E extends BridgeEventName>(name: E, data: BridgeEvents[E]): void;
}

/** `resources/recordings` of this checkout or build (holds the bundled sample), or null. */
export function findRecordingsResourceDir(start = dirname(fileURLToPath(import.meta.url))): string | null {
  let d = start;
  for (let i = 0; i < 8; i++) {
    const p = join(d, 'resources', 'recordings');
    if (existsSync(p)) return p;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  const cwd = resolve('resources', 'recordings');
  return existsSync(cwd) ? cwd : null;
}

export function attachRecordReplay(host: BridgeHostLike, engine: LiveEngineLike, o: {
  recordingsDir: string;
  cascadeOf?: (channel: number) => CascadeSpec | null;
  openReplaySink?: (channels: readonly ChannelMeta[]) => Promise<ReplaySink> | ReplaySink;
  onReplayClosed?: () => void;
}): RecordReplayService {
  const sample = findRecordingsResourceDir();
  const svc = createRecordReplayService({
    recordingsDir: o.recordingsDir,
    extraDirs: sample ? [sample] : [],
    openLiveSources: (channels) => openEngineSources(engine, channels),
    deviceInfo: () => engineDeviceInfo(engine),
    cascadeOf: o.cascadeOf ?? (() => null),
    openReplaySink: o.openReplaySink ?? (() => { throw new Error('replay is not wired into this engine yet (it needs the engine to hand its rings to the replay driver); use `specula replay FILE` meanwhile'); }),
    onReplayClosed: o.onReplayClosed,
    emit: (event: 'record' | 'replay', data: unknown) => host.emitEvent(event, data as never),
  });
  host.extend(svc.handlers);
  return svc;
}
