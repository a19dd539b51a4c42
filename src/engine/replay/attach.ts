/**
 * One-call wiring of record / replay / export into a bridge host (e.g. `EngineHost` of
 * `specula serve`):
 *
 * ```ts
 * const rr = attachRecordReplay(host, engine, { recordingsDir, cascadeOf: (ch) => host.cascadeOf(ch) });
 * // … on shutdown: await rr.close();
 * ```
 * Recording works at once on the engine's live rings. Replay needs the engine to hand its channel
 * rings over to the replay driver: pass `replaySource: engine` (the Engine's source switch,
 * `openReplay` / `closeReplay`), or a lower-level `openReplaySink`; without either, `replay.open`
 * answers a clear error. After every switch the host's clients learn the new channel set
 * (`channels` event), the cascades the channels run (`cascade.set` through the host, so its
 * cascade table follows) and the source (`state` event).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BridgeEventName, BridgeEvents, BridgeHandlers, ChannelInfo } from '../../shared/bridge';
import type { CascadeSpec } from '../../shared/cascade-spec';
import type { ChannelMeta } from '../record/format';
import { engineDeviceInfo, openEngineSources, type LiveEngineLike } from '../record/engine-sources';
import { createRecordReplayService, type RecordReplayService, type ReplaySourceLike } from './bridge-handlers';
import type { ReplaySink } from './replay-sink';

export interface BridgeHostLike {
  extend(extra: BridgeHandlers): unknown;
  emitEvent<E extends BridgeEventName>(name: E, data: BridgeEvents[E]): void;
  /** (EngineHost) its call table, channel list and cascade table: followed after a source switch. */
  readonly handlers?: BridgeHandlers;
  channels?(): ChannelInfo[];
  cascadeOf?(channel: number): CascadeSpec | null;
}

/** An engine with a source switch (the `Engine`): its channels' cascades and where frames come from. */
export interface ReplayEngineLike extends ReplaySourceLike {
  readonly info: { channels: number[]; source: string; replayPath: string | null };
  cascadeOf(channel: number): CascadeSpec | null;
}

/** Tell the host's clients what changed with the source: cascades, channel list, source. */
async function announceSource(host: BridgeHostLike, engine: ReplayEngineLike): Promise<void> {
  const set = host.handlers?.['cascade.set'];
  for (const ch of engine.info.channels) {
    const want = engine.cascadeOf(ch);
    if (!want || !set || !host.cascadeOf || JSON.stringify(host.cascadeOf(ch)) === JSON.stringify(want)) continue;
    // Through the host so its cascade table (cascade.get, the editor) follows; emits `cascade` + `channels`.
    await Promise.resolve(set({ channels: [ch], spec: want })).catch(() => undefined);
  }
  if (host.channels) host.emitEvent('channels', host.channels());
  const st = host.handlers?.['engine.state']?.({});
  if (st && !(st instanceof Promise)) {
    const source = engine.info.source === 'replay' ? `replay ${basename(engine.info.replayPath ?? '')}` : st.source;
    host.emitEvent('state', { ...st, source });
  }
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
  /** The engine's source switch (pass the Engine): replay inside the running app. */
  replaySource?: ReplayEngineLike;
}): RecordReplayService {
  const sample = findRecordingsResourceDir();
  const src = o.replaySource;
  const replaySource: ReplaySourceLike | undefined = src && {
    openReplay: async (path, opts) => {
      try {
        return await src.openReplay(path, opts);
      } finally {
        await announceSource(host, src); // also after a failed open: the engine is live again
      }
    },
    closeReplay: async () => {
      try {
        await src.closeReplay();
      } finally {
        await announceSource(host, src);
      }
    },
  };
  const svc = createRecordReplayService({
    recordingsDir: o.recordingsDir,
    extraDirs: sample ? [sample] : [],
    openLiveSources: (channels) => openEngineSources(engine, channels),
    deviceInfo: () => engineDeviceInfo(engine),
    cascadeOf: o.cascadeOf ?? (() => null),
    openReplaySink: o.openReplaySink ?? (() => { throw new Error('replay is not wired into this engine yet (it needs the engine to hand its rings to the replay driver); use `specula replay FILE` meanwhile'); }),
    onReplayClosed: o.onReplayClosed,
    replaySource,
    emit: (event: 'record' | 'replay', data: unknown) => host.emitEvent(event, data as never),
  });
  host.extend(svc.handlers);
  return svc;
}
