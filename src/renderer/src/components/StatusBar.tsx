/** Bottom bar: connection, engine state, overall latency p99 against the budget, channel problems. */
import { useUi } from '../state/ui-store';

export function StatusBar({ lastError }: { lastError: string | null }) {
  const connected = useUi((s) => s.connected);
  const reason = useUi((s) => s.connectionReason);
  const engine = useUi((s) => s.engine);
  const p99 = useUi((s) => s.latencyP99);
  const budget = useUi((s) => s.engine?.budgetMs ?? s.budgetMs);
  const health = useUi((s) => s.health);
  const frozenAll = useUi((s) => s.frozenAll);
  const display = useUi((s) => s.display);
  const down = Object.values(health).filter((h) => h.state === 'down' || h.state === 'restarting');
  const over = p99 !== null && p99 > budget;
  return (
    <footer className="status" data-testid="status-bar">
      <span className={connected ? 'ok' : 'bad'} data-testid="status-connection">
        {connected ? `● connected (${engine?.mode ?? '…'})` : `● DISCONNECTED${reason ? ': ' + reason : ''}`}
      </span>
      <span title={engine?.acquisition ? `acquisition thread: ${engine.acquisition}` : undefined} data-testid="status-source">
        source {engine?.source ?? '—'} · {engine?.paused ? <b className="warn">DEVICE PAUSED</b> : engine?.running ? 'running' : 'stopped'}
        {engine && engine.stalled.length > 0 && <b className="warn"> · stalled: {engine.stalled.join(', ')}</b>}
      </span>
      {frozenAll && <b className="frozen-text">DISPLAY FROZEN</b>}
      {down.length > 0 && <b className="bad">down: {down.map((h) => h.label).join(', ')}</b>}
      <span className="spacer" />
      {display && (
        <span title={display.reason} data-testid="status-display">
          display {display.kind === 'webgl' ? 'WebGL' : 'Canvas 2D'}
        </span>
      )}
      {lastError && <span className="error" data-testid="last-error">{lastError}</span>}
      <span className={p99 === null ? '' : over ? 'bad' : 'ok'} data-testid="status-latency">
        latency p99 {p99 === null ? '—' : `${p99.toFixed(0)} ms`} / budget {budget} ms {p99 === null ? '' : over ? 'OVER BUDGET' : 'OK'}
      </span>
    </footer>
  );
}
