/**
 * Engine-side implementation of the record / replay / export bridge calls (contract in
 * src/shared/recording.ts). The engine (or `specula serve`) supplies its rings and hooks; these
 * handlers own one Recorder and one ReplayController at a time and push `record` / `replay` events
 * a few times a second (never per frame).
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { FRAME_HEADER_BYTES } from '../../shared/frame-header';
import type { BridgeHandlers } from '../../shared/bridge';
import type { CascadeSpec } from '../../shared/cascade-spec';
import type { ExportResult, RecorderStatus, RecordingFileInfo, ReplayCommand, ReplayState } from '../../shared/recording';
import '../../shared/recording';
import { appVersion } from '../record/app-version';
import type { ChannelMeta } from '../record/format';
import { exportRangeNpy, processFrame, rawFrameNpy, rawFramePng, stageDataNpy, stageDataPng } from '../record/export';
import { Recorder, type FrameSource } from '../record/recorder';
import { ReplayController, type ReplayOptions } from './replay-controller';
import type { ReplaySink } from './replay-sink';

export interface RecordReplayDeps {
  /** Folder for new recordings and exports (created on demand). */
  recordingsDir: string;
  /** Extra folders listed by `recordings.list` (e.g. resources/recordings with the sample). */
  extraDirs?: string[];
  /** Open consumers for the live channels to record (all when `channels` is undefined). Closed by `close()` on each. */
  openLiveSources(channels?: number[]): { sources: (FrameSource & { close?(): void })[]; labels: Map<number, string>; reference: Set<number> };
  /** Device / driver configuration stored in the recording. */
  deviceInfo(): Record<string, unknown>;
  /** The cascade a channel runs now (stored per channel in recordings; used by processed export). */
  cascadeOf(channel: number): CascadeSpec | null;
  /** Make the rings replay frames go into (the engine stops its live device first). */
  openReplaySink(channels: readonly ChannelMeta[]): Promise<ReplaySink> | ReplaySink;
  /** Called after a replay closed (the engine may restart its live device). */
  onReplayClosed?(): void;
  /**
   * An engine that switches its own source (`Engine.openReplay` / `closeReplay`): when given, it is
   * used instead of `openReplaySink`, and closing the replay brings the live device back.
   */
  replaySource?: ReplaySourceLike;
  emit(event: 'record', data: RecorderStatus | null): void;
  emit(event: 'replay', data: ReplayState | null): void;
}

/** The engine's source switch, structurally (see `Engine.openReplay`). */
export interface ReplaySourceLike {
  openReplay(path: string, opts: ReplayOptions): Promise<ReplayController>;
  closeReplay(): Promise<void>;
}

export interface RecordReplayService {
  handlers: BridgeHandlers;
  recorder(): Recorder | null;
  replay(): ReplayController | null;
  close(): Promise<void>;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
}

export function createRecordReplayService(deps: RecordReplayDeps): RecordReplayService {
  let recorder: Recorder | null = null;
  let recClose: (() => void) | null = null;
  let recTimer: NodeJS.Timeout | null = null;
  let replay: ReplayController | null = null;
  let replayTimer: NodeJS.Timeout | null = null;
  const dir = resolve(deps.recordingsDir);
  const ensureDir = (): void => { if (!existsSync(dir)) mkdirSync(dir, { recursive: true }); };

  const stopRecording = async (): Promise<RecorderStatus | null> => {
    if (!recorder) return null;
    if (recTimer) clearInterval(recTimer);
    recTimer = null;
    const r = recorder;
    recorder = null;
    const fin = await r.stop();
    recClose?.();
    recClose = null;
    deps.emit('record', fin);
    return fin;
  };

  const closeReplay = async (): Promise<boolean> => {
    if (!replay) return false;
    if (replayTimer) clearInterval(replayTimer);
    replayTimer = null;
    const r = replay;
    replay = null;
    if (deps.replaySource) await deps.replaySource.closeReplay();
    else await r.close();
    deps.onReplayClosed?.();
    deps.emit('replay', null);
    return true;
  };

  const requireReplay = (): ReplayController => {
    if (!replay) throw new Error('no recording is open for replay (call replay.open first)');
    return replay;
  };

  const handlers: BridgeHandlers = {
    'record.start': async ({ channels, out, note, compression }) => {
      if (recorder) return recorder.status();
      ensureDir();
      const path = out ? resolve(dir, basename(out).endsWith('.mcap') ? basename(out) : `${basename(out)}.mcap`) : join(dir, `specula-${stamp()}.mcap`);
      const live = deps.openLiveSources(channels);
      const extra = new Map(live.sources.map((s) => [s.channel, { label: live.labels.get(s.channel) ?? `ch${s.channel}`, cascade: deps.cascadeOf(s.channel) }]));
      try {
        recorder = await Recorder.start({
          path, sources: live.sources, labels: live.labels, referenceChannels: live.reference, channelExtra: extra,
          appVersion: appVersion(), operatorNote: note ?? '', device: deps.deviceInfo(), compression,
        });
      } catch (e) {
        for (const s of live.sources) s.close?.();
        throw e;
      }
      recClose = () => { for (const s of live.sources) s.close?.(); };
      recTimer = setInterval(() => { if (recorder) deps.emit('record', recorder.status()); }, 500);
      recTimer.unref();
      const st = recorder.status();
      deps.emit('record', st);
      return st;
    },
    'record.stop': () => stopRecording(),
    'record.status': () => recorder?.status() ?? null,
    'recordings.list': () => {
      const out: RecordingFileInfo[] = [];
      for (const d of [dir, ...(deps.extraDirs ?? [])]) {
        if (!existsSync(d)) continue;
        for (const f of readdirSync(d)) {
          if (!f.endsWith('.mcap')) continue;
          const st = statSync(join(d, f));
          out.push({ path: join(d, f), name: f, bytes: st.size, modified: st.mtime.toISOString() });
        }
      }
      return out.sort((a, b) => b.modified.localeCompare(a.modified));
    },
    'replay.open': async ({ path, autoplay, speed }) => {
      if (typeof path !== 'string' || !path.endsWith('.mcap')) throw new Error(`replay.open: path must be an .mcap file, got ${JSON.stringify(path)}`);
      if (deps.replaySource) {
        // The engine switches its source (live rings go away): a recording of them ends here. An
        // open replay is replaced directly (no live device in between); if the new one fails, the
        // engine is back on the live device.
        await stopRecording();
        if (replayTimer) clearInterval(replayTimer);
        replayTimer = null;
        replay = null;
        try {
          replay = await deps.replaySource.openReplay(path, { autoplay, speed, onState: (s) => deps.emit('replay', s) });
        } catch (e) {
          deps.emit('replay', null);
          throw e;
        }
        replayTimer = setInterval(() => { if (replay?.state().state === 'playing') deps.emit('replay', replay.state()); }, 250);
        replayTimer.unref();
        return replay.state();
      }
      await closeReplay();
      const { Recording } = await import('../record/recording');
      const probe = await Recording.open(path); // validate before the engine switches its device off
      const metas = probe.channels.map((c) => c.meta);
      await probe.close();
      const sink = await deps.openReplaySink(metas);
      try {
        replay = await ReplayController.open(path, sink, { autoplay, speed, onState: (s) => deps.emit('replay', s) });
      } catch (e) {
        sink.close();
        deps.onReplayClosed?.();
        throw e;
      }
      replayTimer = setInterval(() => { if (replay?.state().state === 'playing') deps.emit('replay', replay.state()); }, 250);
      replayTimer.unref();
      return replay.state();
    },
    'replay.close': async () => ({ closed: await closeReplay() }),
    'replay.state': () => replay?.state() ?? null,
    'replay.control': async (cmd: ReplayCommand) => {
      const r = requireReplay();
      switch (cmd?.op) {
        case 'play': r.play(); break;
        case 'pause': r.pause(); break;
        case 'speed': r.setSpeed(cmd.speed); break;
        case 'seek': await r.seek(cmd.positionNs); break;
        case 'step': await r.step(cmd.frames); break;
        case 'loop': r.setLoop(cmd.range); break;
        case 'start': await r.toStart(); break;
        case 'end': await r.toEnd(); break;
        case 'refresh': await r.refresh(); break;
        default: throw new Error(`replay.control: unknown op ${JSON.stringify((cmd as { op?: unknown })?.op)}`);
      }
      return r.state();
    },
    'export.frame': async ({ channel, format, processed, rangeNs }): Promise<ExportResult> => {
      const r = requireReplay();
      const rec = r.recording;
      const ch = rec.channel(channel);
      if (!ch) throw new Error(`export: channel ${channel} is not in ${rec.path}`);
      ensureDir();
      const stem = join(dir, `${basename(rec.path, '.mcap')}-ch${channel}`);
      if (rangeNs) {
        const file = `${stem}-${(rangeNs.startNs / 1e9).toFixed(3)}-${(rangeNs.endNs / 1e9).toFixed(3)}s.npy`;
        await r.idle();
        await exportRangeNpy(rec, ch, rangeNs.startNs, rangeNs.endNs, file);
        return { files: [file] };
      }
      await r.idle();
      const i = r.currentFrame(channel);
      if (i < 0) throw new Error(`export: channel ${channel} has not shown a frame yet`);
      const files: string[] = [];
      let npy: Uint8Array;
      let png: Uint8Array;
      if (processed) {
        const spec = deps.cascadeOf(channel) ?? (rec.channelExtra.get(channel)?.cascade as CascadeSpec | null);
        if (!spec) throw new Error(`export: no cascade known for channel ${channel}`);
        const d = await processFrame(rec, ch, i, spec);
        npy = stageDataNpy(d);
        png = stageDataPng(d);
      } else {
        const payload = (await rec.readFrame(ch, i)).subarray(FRAME_HEADER_BYTES);
        npy = rawFrameNpy(ch.meta, payload);
        png = rawFramePng(ch.meta, payload);
      }
      const base = `${stem}-f${i}${processed ? '-processed' : ''}`;
      if (format !== 'png') { writeFileSync(`${base}.npy`, npy); files.push(`${base}.npy`); }
      if (format !== 'npy') { writeFileSync(`${base}.png`, png); files.push(`${base}.png`); }
      return { files };
    },
  };

  return {
    handlers,
    recorder: () => recorder,
    replay: () => replay,
    async close() {
      await stopRecording().catch(() => undefined);
      if (deps.replaySource) {
        // Shutting down: the engine's stop() closes the replay; bringing the live device back first
        // would only start processes to stop them again.
        if (replayTimer) clearInterval(replayTimer);
        replayTimer = null;
        replay = null;
      } else await closeReplay().catch(() => undefined);
    },
  };
}
