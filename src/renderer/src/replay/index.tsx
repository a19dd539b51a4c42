/**
 * Replay slot of the workbench (picked up by `../slots.ts`, mounted under the tiles): the always
 * visible recording indicator with record start/stop, the recording picker, and — while a recording
 * is open — the replay timeline. State arrives through the bridge events `record` and `replay`
 * (a few per second, never per frame); every user action is one bridge call.
 */
import { useCallback, useEffect, useState } from 'react';
import type { SpeculaBridge } from '../../../shared/bridge';
import type { RecorderStatus, RecordingFileInfo, ReplayCommand, ReplayState } from '../../../shared/recording';
import type { SlotProps } from '../slots';
import { formatBytes } from './format';
import { RecordingIndicator } from './RecordingIndicator';
import { Timeline } from './Timeline';
import './replay.css';
import { useUi } from '../state/ui-store';

export { RecordingIndicator } from './RecordingIndicator';
export { Timeline } from './Timeline';

function message(e: unknown): string {
  if ((e as { code?: string })?.code === 'unknown-method') return 'this server offers no recording or replay (e.g. a latency check run)';
  return e instanceof Error ? e.message : String(e);
}

/** Record + replay state from the engine, kept current by its events. */
export function useRecordReplay(bridge: SpeculaBridge): { rec: RecorderStatus | null; replay: ReplayState | null; setReplay: (s: ReplayState | null) => void; setRec: (s: RecorderStatus | null) => void } {
  const [rec, setRec] = useState<RecorderStatus | null>(null);
  const [replay, setReplay] = useState<ReplayState | null>(null);
  useEffect(() => {
    let alive = true;
    bridge.call('record.status', {}).then((s) => alive && setRec(s), () => undefined);
    bridge.call('replay.state', {}).then((s) => alive && setReplay(s), () => undefined);
    const offRec = bridge.on('record', (s) => setRec(s));
    const offRep = bridge.on('replay', (s) => setReplay(s));
    return () => { alive = false; offRec(); offRep(); };
  }, [bridge]);
  // The tiles need the play state too: a paused replay is "not live", not a lost signal.
  useEffect(() => { useUi.getState().set({ replayState: replay ? replay.state : null }); }, [replay?.state, replay === null]);
  return { rec, replay, setReplay, setRec };
}

export default function ReplaySlot({ bridge }: SlotProps) {
  const { rec, replay, setReplay, setRec } = useRecordReplay(bridge);
  const [files, setFiles] = useState<RecordingFileInfo[]>([]);
  const [pick, setPick] = useState('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);

  const act = useCallback(async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      setNote(null);
    } catch (e) {
      setNote(message(e));
    } finally {
      setBusy(false);
    }
  }, []);
  const refresh = useCallback(() => act(async () => {
    const l = await bridge.call('recordings.list', {});
    setFiles(l);
    setPick((p) => p || l[0]?.path || '');
  }), [act, bridge]);
  useEffect(() => { void refresh(); }, [refresh]);

  const command = (c: ReplayCommand) => act(async () => setReplay(await bridge.call('replay.control', c)));
  return (
    <div className="replay-bar" data-testid="replay-slot">
      <RecordingIndicator
        status={rec} busy={busy}
        onStart={() => act(async () => setRec(await bridge.call('record.start', {})))}
        onStop={() => act(async () => { setRec(await bridge.call('record.stop', {})); await refresh(); })}
      />
      {replay && replay.state !== 'closed' ? (
        <Timeline
          state={replay}
          onCommand={(c) => void command(c)}
          onExport={(w) => void act(async () => { const r = await bridge.call('export.frame', w); setNote(`exported ${r.files.join(', ')}`); })}
          onClose={() => void act(async () => { await bridge.call('replay.close', {}); setReplay(null); })}
        />
      ) : (
        <div className="replay-open">
          <span className="dim">replay:</span>
          <select aria-label="recording" value={pick} onChange={(e) => setPick(e.target.value)} onFocus={() => void refresh()}>
            {files.length === 0 && <option value="">no recordings</option>}
            {files.map((f) => <option key={f.path} value={f.path}>{f.name} ({formatBytes(f.bytes)})</option>)}
          </select>
          <button type="button" disabled={!pick || busy} onClick={() => void act(async () => setReplay(await bridge.call('replay.open', { path: pick })))}>Open</button>
        </div>
      )}
      {note && <div className={note.startsWith('exported') ? 'dim' : 'error'} data-testid="replay-note">{note}</div>}
    </div>
  );
}
