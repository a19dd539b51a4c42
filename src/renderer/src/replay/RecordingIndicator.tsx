/**
 * Always-visible recording indicator: a red REC mark with elapsed time, file size and frames
 * dropped-to-disk (highlighted when non-zero), or a neutral "not recording" with the start button.
 * Pure presentational: the container passes the status pushed by the engine (`record` event).
 */
import type { RecorderStatus } from '../../../shared/recording';
import { formatBytes, formatElapsedMs } from './format';

export interface RecordingIndicatorProps {
  status: RecorderStatus | null;
  busy?: boolean;
  onStart?: () => void;
  onStop?: () => void;
}

export function RecordingIndicator({ status, busy, onStart, onStop }: RecordingIndicatorProps) {
  const recording = status?.state === 'recording' || status?.state === 'stopping';
  const name = status?.path.split(/[\\/]/).pop() ?? '';
  return (
    <div className="rec-indicator" data-testid="rec-indicator" data-recording={recording ? 'true' : 'false'} title={status?.path ?? 'not recording'}>
      {recording ? (
        <>
          <span className="rec-dot" aria-hidden="true" />
          <strong className="rec-label">REC</strong>
          <span className="rec-elapsed" data-testid="rec-elapsed">{formatElapsedMs(status.elapsedMs)}</span>
          <span className="rec-size" data-testid="rec-size">{formatBytes(status.bytes)}</span>
          <span className={status.framesDropped ? 'rec-drops bad' : 'rec-drops dim'} data-testid="rec-drops"
            title={status.channels.map((c) => `ch${c.channel}: ${c.recorded} recorded, ${c.dropped} dropped, ${c.queued} queued`).join('\n')}>
            {status.framesDropped ? `${status.framesDropped} dropped` : 'no drops'}
          </span>
          <span className="dim rec-file">{name}</span>
          {onStop && <button type="button" disabled={busy || status.state === 'stopping'} onClick={onStop}>Stop</button>}
        </>
      ) : (
        <>
          <span className="dim">not recording</span>
          {status?.state === 'failed' && <span className="error">recording failed: {status.error}</span>}
          {status?.state === 'stopped' && <span className="dim">last: {name} ({formatBytes(status.bytes)}, {status.framesDropped} dropped)</span>}
          {onStart && <button type="button" disabled={busy} onClick={onStart}>● Record</button>}
        </>
      )}
    </div>
  );
}
