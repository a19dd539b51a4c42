/**
 * Replay timeline: scrubber with time, play/pause, speed, step ±1 frame, loop in/out, jump to
 * start/end, export of the current frame. Pure presentational: state comes from the engine's
 * `replay` events; every control issues one `ReplayCommand`. The scrubber seeks on release (and on
 * keyboard changes), not on every pixel, so dragging does not flood the engine with seeks.
 */
import { useState } from 'react';
import { REPLAY_SPEEDS, type ReplayCommand, type ReplaySpeed, type ReplayState } from '../../../shared/recording';
import { formatSpeed, formatTimeNs } from './format';

export interface TimelineProps {
  state: ReplayState;
  onCommand: (c: ReplayCommand) => void;
  onExport?: (what: { channel: number; processed: boolean; format: 'npy' | 'png' | 'both' }) => void;
  onClose?: () => void;
}

const SCRUB_STEPS = 10000;

export function Timeline({ state, onCommand, onExport, onClose }: TimelineProps) {
  const [drag, setDrag] = useState<number | null>(null);
  const [exportChannel, setExportChannel] = useState<number>(state.primaryChannel);
  const dur = Math.max(1, state.durationNs);
  const pos = drag ?? state.positionNs;
  const toSteps = (ns: number) => Math.round((ns / dur) * SCRUB_STEPS);
  const fromSteps = (v: number) => (v / SCRUB_STEPS) * dur;
  const commit = () => {
    if (drag !== null) onCommand({ op: 'seek', positionNs: drag });
    setDrag(null);
  };
  const playing = state.state === 'playing';
  const loop = state.loop;
  const name = state.path.split(/[\\/]/).pop();
  return (
    <div className="timeline" data-testid="timeline" data-state={state.state}>
      <div className="timeline-row">
        <button type="button" title="jump to start" onClick={() => onCommand({ op: 'start' })}>⏮</button>
        <button type="button" title="step back one frame" onClick={() => onCommand({ op: 'step', frames: -1 })}>◀|</button>
        <button type="button" className="play" data-testid="play" title={playing ? 'pause' : 'play'} onClick={() => onCommand({ op: playing ? 'pause' : 'play' })}>
          {playing ? '❚❚' : '▶'}
        </button>
        <button type="button" title="step forward one frame" onClick={() => onCommand({ op: 'step', frames: 1 })}>|▶</button>
        <button type="button" title="jump to end" onClick={() => onCommand({ op: 'end' })}>⏭</button>
        <button type="button" title="send the current frames again (reprocess after a cascade change)" onClick={() => onCommand({ op: 'refresh' })}>↻</button>
        <select aria-label="speed" value={String(state.speed)} onChange={(e) => onCommand({ op: 'speed', speed: (e.target.value === 'max' ? 'max' : Number(e.target.value)) as ReplaySpeed })}>
          {REPLAY_SPEEDS.map((s) => <option key={String(s)} value={String(s)}>{formatSpeed(s)}</option>)}
        </select>
        <span className="timeline-time" data-testid="timeline-time">{formatTimeNs(pos)} / {formatTimeNs(state.durationNs)}</span>
        <span className="dim">frame {state.frameIndex + 1} / {state.frameCount}</span>
        <span className="timeline-loop">
          <button type="button" title="loop from here" onClick={() => onCommand({ op: 'loop', range: { startNs: state.positionNs, endNs: loop && loop.endNs > state.positionNs ? loop.endNs : state.durationNs } })}>loop in</button>
          <button type="button" title="loop up to here" disabled={state.positionNs <= (loop?.startNs ?? 0)} onClick={() => onCommand({ op: 'loop', range: { startNs: loop?.startNs ?? 0, endNs: state.positionNs } })}>loop out</button>
          {loop && <button type="button" className="on" title="clear the loop" onClick={() => onCommand({ op: 'loop', range: null })}>⟲ {formatTimeNs(loop.startNs)}–{formatTimeNs(loop.endNs)} ✕</button>}
        </span>
        {onExport && (
          <span className="timeline-export">
            <select aria-label="export channel" value={exportChannel} onChange={(e) => setExportChannel(Number(e.target.value))}>
              {state.channels.map((c) => <option key={c.channel} value={c.channel}>{c.label || `ch${c.channel}`}{c.reference ? ' (ref)' : ''}</option>)}
            </select>
            <button type="button" onClick={() => onExport({ channel: exportChannel, processed: false, format: 'both' })}>export raw</button>
            <button type="button" onClick={() => onExport({ channel: exportChannel, processed: true, format: 'both' })}>export processed</button>
          </span>
        )}
        <span className="dim timeline-file" title={state.path}>{name}</span>
        {state.warning && <span className="warn" title={state.warning}>unindexed file</span>}
        {state.error && <span className="error">{state.error}</span>}
        {onClose && <button type="button" title="close the recording, back to live" onClick={onClose}>✕ live</button>}
      </div>
      <div className="timeline-scrub">
        {loop && <div className="timeline-loop-band" style={{ left: `${(loop.startNs / dur) * 100}%`, width: `${((loop.endNs - loop.startNs) / dur) * 100}%` }} />}
        <input
          type="range" aria-label="position" data-testid="scrubber" min={0} max={SCRUB_STEPS} step={1} value={toSteps(pos)}
          onChange={(e) => setDrag(fromSteps(Number(e.target.value)))}
          onPointerUp={commit} onKeyUp={commit} onBlur={commit}
        />
      </div>
    </div>
  );
}
