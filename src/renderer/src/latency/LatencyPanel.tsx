/**
 * The latency panel: a clear PASS/FAIL against the budget, per-hop stacked p50 times per channel
 * with the budget line, per-channel end-to-end percentiles and drops, and the clock-sync estimate.
 * Presentational: it renders a `LatencySnapshot` (polled from the engine, ~2 Hz), never per frame.
 */
import { E2E_SEGMENT, SEGMENT_NAMES, judge, percentileOf, type ChannelLatency, type LatencySnapshot } from '../../../shared/latency';

export const HOP_COLORS = ['#8c6bb1', '#6baed6', '#3182bd', '#31a354', '#fdae6b', '#e6550d', '#969696'];

export interface LatencyPanelProps {
  snapshot: LatencySnapshot | null;
  budgetMs: number;
  /** Percentile judged against the budget (default 99). */
  percentile?: 50 | 95 | 99;
  onBudgetChange?: (ms: number) => void;
  onReset?: () => void;
  /** Last error of the snapshot poll (shown, the panel keeps the previous numbers). */
  error?: string | null;
}

const fmt = (x: number) => (Number.isFinite(x) && x !== 0 ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '—');

function Bars({ rows, budgetMs }: { rows: { label: string; c: ChannelLatency }[]; budgetMs: number }) {
  const W = 300;
  const ml = 44;
  const rowH = 14;
  let max = budgetMs * 1.1;
  for (const r of rows) max = Math.max(max, r.c.segments[E2E_SEGMENT].p99Ms * 1.05);
  const X = (ms: number) => ml + (ms / max) * (W - ml - 6);
  const h = rows.length * rowH + 16;
  return (
    <svg width={W} height={h} role="img" aria-label="per-hop p50 stacked, per channel" data-testid="latency-bars">
      {rows.map((r, j) => {
        let acc = 0;
        const y = j * rowH;
        const p99 = r.c.segments[E2E_SEGMENT].p99Ms;
        return (
          <g key={r.label}>
            <text x={ml - 4} y={y + 10} fontSize="9" textAnchor="end" fill="currentColor">{r.label}</text>
            {r.c.segments.slice(0, E2E_SEGMENT).map((s, i) => {
              const x0 = X(acc);
              acc += Math.max(0, s.p50Ms);
              return (
                <rect key={i} x={x0} y={y + 2} width={Math.max(0, X(acc) - x0)} height={rowH - 4} fill={HOP_COLORS[i]}>
                  <title>{`${SEGMENT_NAMES[i]}: p50 ${s.p50Ms.toFixed(2)} ms`}</title>
                </rect>
              );
            })}
            {p99 > 0 && <line x1={X(p99)} x2={X(p99)} y1={y + 1} y2={y + rowH - 1} stroke="currentColor" strokeWidth="1.5"><title>{`end to end p99 ${p99.toFixed(1)} ms`}</title></line>}
          </g>
        );
      })}
      <line x1={X(budgetMs)} x2={X(budgetMs)} y1={0} y2={rows.length * rowH} stroke="#e03131" strokeDasharray="4 2" strokeWidth="1.5" />
      <text x={X(budgetMs)} y={h - 3} fontSize="9" fill="#e03131" textAnchor="middle">{`budget ${budgetMs} ms`}</text>
    </svg>
  );
}

export function LatencyPanel({ snapshot, budgetMs, percentile = 99, onBudgetChange, onReset, error }: LatencyPanelProps) {
  const verdict = snapshot ? judge(snapshot, budgetMs, percentile) : null;
  const e2e = snapshot?.overall.segments[E2E_SEGMENT];
  const sync = snapshot?.sync;
  return (
    <section className="panel latency-panel" data-testid="latency-panel">
      <h3>Latency</h3>
      <div className="row">
        <span
          data-testid="latency-verdict"
          data-pass={verdict ? String(verdict.pass) : 'unknown'}
          style={{ fontSize: 20, fontWeight: 700, padding: '2px 10px', borderRadius: 4, color: '#fff', background: !verdict ? '#777' : verdict.pass ? '#2b8a3e' : '#c92a2a' }}
        >
          {!verdict ? 'NO DATA' : verdict.pass ? 'PASS' : 'FAIL'}
        </span>
        <span>
          p{percentile} {e2e && e2e.count ? `${fmt(percentileOf(e2e, percentile))} ms` : '—'} / budget{' '}
          <input
            data-testid="latency-budget"
            type="number"
            min={1}
            step={10}
            value={budgetMs}
            style={{ width: 60 }}
            onChange={(ev) => {
              const v = Number(ev.target.value);
              if (Number.isFinite(v) && v > 0) onBudgetChange?.(v);
            }}
          />{' '}
          ms
        </span>
        {onReset && <button onClick={onReset} title="clear the statistics and measure afresh">Reset</button>}
      </div>
      {verdict && !verdict.pass && (
        <ul data-testid="latency-reasons" style={{ margin: '4px 0', paddingLeft: 18 }}>
          {verdict.reasons.slice(0, 6).map((r) => <li key={r}>{r}</li>)}
        </ul>
      )}
      {error && <div className="bad">{error}</div>}
      {snapshot && snapshot.channels.length > 0 && (
        <>
          <Bars rows={[{ label: 'all', c: snapshot.overall }, ...snapshot.channels.map((c) => ({ label: `ch ${c.channel}`, c }))]} budgetMs={budgetMs} />
          <div style={{ display: 'flex', flexWrap: 'wrap', gap: '2px 8px', fontSize: 10 }}>
            {SEGMENT_NAMES.slice(0, E2E_SEGMENT).map((n, i) => (
              <span key={n}><span style={{ display: 'inline-block', width: 8, height: 8, background: HOP_COLORS[i] }} /> {n} {fmt(snapshot.overall.segments[i].p50Ms)}</span>
            ))}
          </div>
          <table data-testid="latency-table" style={{ fontSize: 11, borderCollapse: 'separate', borderSpacing: '6px 1px', marginTop: 6, textAlign: 'right' }}>
            <thead>
              <tr><th>ch</th><th>fps</th><th>p50</th><th>p95</th><th>p99</th><th>max</th><th title="source gap / worker skip / after worker / renderer">drops</th><th title="frames lost without being counted">lost</th></tr>
            </thead>
            <tbody>
              {[snapshot.overall, ...snapshot.channels].map((c) => {
                const s = c.segments[E2E_SEGMENT];
                const over = percentileOf(s, percentile) > budgetMs;
                return (
                  <tr key={c.channel} className={over || c.accounting.unaccounted > 0 ? 'bad' : ''}>
                    <td>{c.channel < 0 ? 'all' : c.channel}</td>
                    <td>{fmt(c.fps)}</td>
                    <td>{fmt(s.p50Ms)}</td>
                    <td>{fmt(s.p95Ms)}</td>
                    <td>{fmt(s.p99Ms)}</td>
                    <td>{fmt(s.maxMs)}</td>
                    <td>{`${c.drops.sourceGap}/${c.drops.workerSkip}/${c.drops.afterWorker + c.drops.relayDrop}/${c.drops.rendererDrop}`}</td>
                    <td>{c.accounting.unaccounted}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
      <div className="dim" style={{ fontSize: 10, marginTop: 4 }}>
        {sync ? `clock sync ±${(sync.uncertaintyNs / 1e6).toFixed(2)} ms (offset ${(sync.offsetNs / 1e6).toFixed(1)} ms)` : 'clock sync: waiting'}
        {snapshot ? ` · ${snapshot.overall.presented} frames over ${snapshot.elapsedS.toFixed(0)} s` : ''}
      </div>
    </section>
  );
}
