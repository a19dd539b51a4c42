/**
 * Latency report: build it from a ledger, write `report.json` + a self-contained `report.html`
 * (inline SVG plots, no scripts, no external assets) and format the terminal summary table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import {
  E2E_SEGMENT,
  LATENCY_REPORT_SCHEMA,
  LATENCY_REPORT_VERSION,
  SEGMENT_NAMES,
  judge,
  percentileOf,
  type ChannelLatency,
  type LatencyReport,
  type LatencyRunConfig,
  type SegmentStats,
} from '../../shared/latency';
import type { LatencyLedger } from './ledger';
import { HOP_COLORS, esc, histogramSvg, linesSvg, stackedBarsSvg } from './svg';

export function machineInfo(browser = ''): LatencyReport['machine'] {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    browser,
    loadAvg1m: Math.round(loadavg()[0] * 100) / 100,
  };
}

/** Assemble the report from the ledger's current state; the verdict is computed here. */
export function buildReport(ledger: LatencyLedger, nowNs: number, config: LatencyRunConfig, machine: LatencyReport['machine'], extraReasons: string[] = []): LatencyReport {
  const snap = ledger.snapshot(nowNs);
  const verdict = judge(snap, config.budgetMs, config.percentile, config.channels);
  verdict.reasons.push(...extraReasons);
  if (ledger.rejectedRows > 0) verdict.reasons.push(`${ledger.rejectedRows} malformed ack row(s) rejected`);
  if (snap.overall.drops.ackOverflow > 0) verdict.reasons.push(`${snap.overall.drops.ackOverflow} ack row(s) lost to renderer buffer overflow`);
  verdict.pass = verdict.reasons.length === 0;
  const series = ledger.series();
  return {
    schema: LATENCY_REPORT_SCHEMA,
    version: LATENCY_REPORT_VERSION,
    createdAt: new Date().toISOString(),
    config,
    machine,
    verdict,
    ...snap,
    segmentNames: SEGMENT_NAMES,
    histograms: ledger.mergedHistograms().map((h) => ({ buckets: h.buckets() })),
    series: series.overall,
    channelSeries: series.channels,
  };
}

const n1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const n2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');

function dropsText(c: ChannelLatency): string {
  const d = c.drops;
  return `${d.sourceGap}/${d.workerSkip}/${d.afterWorker + d.relayDrop}/${d.rendererDrop}`;
}

/** The terminal summary: per segment (all channels), per channel end-to-end, sync, verdict. */
export function formatSummary(r: LatencyReport): string {
  const p = r.config.percentile;
  const lines: string[] = [];
  const pad = (s: string, n: number) => s.padStart(n);
  lines.push(`specula latency — ${r.config.mode} mode, ${r.config.channels} ch @ ${r.config.fps} fps, cascade ${r.config.cascade}, ${n1(r.elapsedS)} s measured`);
  lines.push(`machine: ${r.machine.cpus} × ${r.machine.cpuModel}, load average ${r.machine.loadAvg1m ?? '?'}, ${r.machine.browser}${r.machine.display ? `, display ${r.machine.display}` : ''}`);
  lines.push('');
  lines.push(`${'segment (all channels), ms'.padEnd(28)}${pad('n', 8)}${pad('p50', 9)}${pad('p95', 9)}${pad('p99', 9)}${pad('max', 9)}`);
  r.overall.segments.forEach((s: SegmentStats, i) => {
    if (i === E2E_SEGMENT) lines.push('-'.repeat(72));
    lines.push(`${r.segmentNames[i].padEnd(28)}${pad(String(s.count), 8)}${pad(n2(s.p50Ms), 9)}${pad(n2(s.p95Ms), 9)}${pad(n2(s.p99Ms), 9)}${pad(n2(s.maxMs), 9)}`);
  });
  lines.push('');
  lines.push(`${'channel'.padEnd(8)}${pad('fps', 7)}${pad('frames', 8)}${pad('p50', 8)}${pad('p95', 8)}${pad('p99', 8)}${pad('max', 8)}  drops gap/skip/after-worker/rend  uncounted`);
  for (const c of r.channels) {
    const e = c.segments[E2E_SEGMENT];
    const over = percentileOf(e, p) > r.config.budgetMs ? ' !' : '';
    lines.push(`${String(c.channel).padEnd(8)}${pad(n1(c.fps), 7)}${pad(String(c.presented), 8)}${pad(n1(e.p50Ms), 8)}${pad(n1(e.p95Ms), 8)}${pad(n1(e.p99Ms), 8)}${pad(n1(e.maxMs), 8)}  ${dropsText(c).padEnd(32)}${pad(String(c.accounting.unaccounted), 9)}${over}`);
  }
  const s = r.sync;
  lines.push('');
  lines.push(s ? `clock sync: offset ${(s.offsetNs / 1e6).toFixed(3)} ms ± ${(s.uncertaintyNs / 1e6).toFixed(3)} ms (min rtt ${(s.rttMinNs / 1e6).toFixed(3)} ms, ${s.samples} pings); rows mapped within ± ${(r.syncWorstUncertaintyNs / 1e6).toFixed(3)} ms` : 'clock sync: none');
  if (r.syncCheck) lines.push(`sync check (page clock read over the debugging channel): error ${(r.syncCheck.errorNs / 1e6).toFixed(3)} ms, check ± ${(r.syncCheck.uncertaintyNs / 1e6).toFixed(3)} ms`);
  const e2e = r.overall.segments[E2E_SEGMENT];
  lines.push(`end to end (acquired→presented) p${p} ${n1(percentileOf(e2e, p))} ms, budget ${r.config.budgetMs} ms: ${r.verdict.pass ? 'PASS' : 'FAIL'}`);
  for (const why of r.verdict.reasons) lines.push(`  - ${why}`);
  return lines.join('\n');
}

/** Self-contained HTML page of the report. */
export function renderReportHtml(r: LatencyReport): string {
  const p = r.config.percentile;
  const budget = r.config.budgetMs;
  const hopNames = r.segmentNames.slice(0, E2E_SEGMENT);
  const bars = stackedBarsSvg(
    'p50 per hop, stacked (ms) — the bar end is the sum of hop medians, not the end-to-end p50',
    [{ label: 'all', values: r.overall.segments.slice(0, E2E_SEGMENT).map((s) => s.p50Ms) }, ...r.channels.map((c) => ({ label: `ch ${c.channel}`, values: c.segments.slice(0, E2E_SEGMENT).map((s) => s.p50Ms) }))],
    hopNames,
    HOP_COLORS,
    budget,
  );
  const hists = r.segmentNames.map((n, i) => histogramSvg(`${n}`, r.histograms[i].buckets, i === E2E_SEGMENT ? budget : undefined)).join('\n');
  const overTime = r.segmentNames
    .map((n, i) => {
      const pts = r.series[i].points;
      const mean: number[] = [];
      const max: number[] = [];
      for (let k = 0; k < pts.length; k += 4) {
        mean.push(pts[k], pts[k + 2]);
        max.push(pts[k], pts[k + 3]);
      }
      return linesSvg(`${n} over time (step ${n2(r.series[i].stepS)} s)`, [{ label: 'mean', color: '#3182bd', xy: mean }, { label: 'max', color: '#e6550d', xy: max, dashed: true }], 's', 'ms', i === E2E_SEGMENT ? budget : undefined);
    })
    .join('\n');
  const perChannel = linesSvg(
    'end to end per channel over time (mean per step)',
    r.channels.map((c, j) => {
      const pts = r.channelSeries[j]?.points ?? [];
      const xy: number[] = [];
      for (let k = 0; k < pts.length; k += 4) xy.push(pts[k], pts[k + 2]);
      return { label: `ch ${c.channel}`, color: `hsl(${(j * 360) / Math.max(1, r.channels.length)} 60% 42%)`, xy };
    }),
    's',
    'ms',
    budget,
    { w: 860, h: 240, ml: 48, mr: 10, mt: 22, mb: 30 },
  );
  const segRows = r.overall.segments
    .map((s, i) => `<tr${i === E2E_SEGMENT ? ' class="e2e"' : ''}><td>${esc(r.segmentNames[i])}</td><td>${s.count}</td><td>${n2(s.minMs)}</td><td>${n2(s.meanMs)}</td><td>${n2(s.p50Ms)}</td><td>${n2(s.p95Ms)}</td><td>${n2(s.p99Ms)}</td><td>${n2(s.maxMs)}</td><td>${s.negative}</td></tr>`)
    .join('');
  const chRows = r.channels
    .map((c) => {
      const e = c.segments[E2E_SEGMENT];
      const bad = percentileOf(e, p) > budget || c.accounting.unaccounted > 0;
      return `<tr${bad ? ' class="bad"' : ''}><td>${c.channel}</td><td>${n1(c.fps)}</td><td>${c.presented}</td><td>${n1(e.p50Ms)}</td><td>${n1(e.p95Ms)}</td><td>${n1(e.p99Ms)}</td><td>${n1(e.maxMs)}</td><td>${c.drops.sourceGap}</td><td>${c.drops.workerSkip}</td><td>${c.drops.afterWorker}</td><td>${c.drops.relayDrop}</td><td>${c.drops.rendererDrop}</td><td>${c.accounting.span}</td><td>${c.accounting.unaccounted}${c.accounting.exact ? '' : ' (deltas)'}</td></tr>`;
    })
    .join('');
  const s = r.sync;
  const syncText = s ? `offset ${(s.offsetNs / 1e6).toFixed(3)} ms ± ${(s.uncertaintyNs / 1e6).toFixed(3)} ms (minimum round trip ${(s.rttMinNs / 1e6).toFixed(3)} ms over ${s.samples} pings); every renderer stamp mapped within ± ${(r.syncWorstUncertaintyNs / 1e6).toFixed(3)} ms` : 'no clock sync';
  const verdict = r.verdict.pass ? `<div class="verdict pass">PASS</div>` : `<div class="verdict fail">FAIL</div><ul>${r.verdict.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`;
  const m = r.machine;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Specula latency report ${esc(r.createdAt)}</title>
<style>
body{font:13px system-ui,sans-serif;margin:20px;color:#222;max-width:1800px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 7px;text-align:right}th{background:#f2f2f2}td:first-child{text-align:left}
tr.e2e td{font-weight:bold;background:#f6f6ff}tr.bad td{background:#fde8e8}
.verdict{display:inline-block;font-size:28px;font-weight:bold;padding:4px 18px;border-radius:6px;color:#fff}.pass{background:#2a8a3a}.fail{background:#c0262d}
.grid{display:flex;flex-wrap:wrap;gap:10px}.muted{color:#666}
</style></head><body>
<h1>Specula end-to-end latency</h1>
${verdict}
<p><b>End to end (acquired→presented) p${p}: ${n1(percentileOf(r.overall.segments[E2E_SEGMENT], p))} ms</b> against a budget of ${budget} ms, judged per channel.</p>
<p class="muted">${esc(r.config.mode)} mode · ${r.config.channels} channel(s) @ ${r.config.fps} fps · cascade ${esc(r.config.cascade)} · ${n1(r.elapsedS)} s measured after ${r.config.warmupS} s warm-up${r.config.test ? ` · test knobs ${esc(JSON.stringify(r.config.test))}` : ''}<br>
machine: ${m.cpus} × ${esc(m.cpuModel)}, ${m.memGiB} GiB, ${esc(m.os)}, Node ${esc(m.node)}, ${esc(m.browser)}${m.display ? `, display ${esc(m.display)}` : ''}, load average ${m.loadAvg1m ?? '?'} at the end · ${esc(r.createdAt)}<br>
clock sync (renderer → engine clock): ${esc(syncText)}${r.syncCheck ? ` · independent check: error ${(r.syncCheck.errorNs / 1e6).toFixed(3)} ms (check ± ${(r.syncCheck.uncertaintyNs / 1e6).toFixed(3)} ms)` : ''}</p>
<h2>Hops</h2>
${bars}
<table><tr><th>segment (all channels), ms</th><th>n</th><th>min</th><th>mean</th><th>p50</th><th>p95</th><th>p99</th><th>max</th><th>&lt;0</th></tr>${segRows}</table>
<p class="muted">Percentiles come from log-linear histograms (bucket width ≤ 1/64 of the value, reported at the bucket midpoint). Segments that cross the engine/renderer boundary (sent→received) carry the clock-sync uncertainty; a few values &lt; 0 within it are expected.</p>
<h2>Channels</h2>
<table><tr><th>channel</th><th>fps</th><th>presented</th><th>p50</th><th>p95</th><th>p99</th><th>max</th><th>source gap</th><th>worker skip</th><th>dropped after worker</th><th>relay carried</th><th>renderer dropped</th><th>seq span</th><th>lost uncounted</th></tr>${chRows}</table>
${perChannel}
<h2>Histograms (all channels)</h2>
<div class="grid">${hists}</div>
<h2>Latency over time (all channels)</h2>
<div class="grid">${overTime}</div>
</body></html>
`;
}

/** Write DIR/report.json and DIR/report.html; returns their paths. */
export function writeReport(dir: string, r: LatencyReport): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  writeFileSync(json, JSON.stringify(r, null, 1));
  writeFileSync(html, renderReportHtml(r));
  return { json, html };
}
