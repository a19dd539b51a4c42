import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACK_STRIDE, AckField, AckState, LATENCY_REPORT_SCHEMA, type LatencyRunConfig } from '../../shared/latency';
import { LatencyLedger } from './ledger';
import { buildReport, formatSummary, machineInfo, writeReport } from './report';

const config: LatencyRunConfig = { mode: 'fake', channels: 2, fps: 30, cascade: 'light', durationS: 5, warmupS: 1, budgetMs: 100, percentile: 99 };

function ledgerWith(e2eMs: (ch: number, i: number) => number): LatencyLedger {
  const l = new LatencyLedger();
  const r = new Array<number>(ACK_STRIDE).fill(0);
  for (let i = 1; i <= 150; i++) {
    for (let ch = 0; ch < 2; ch++) {
      const t = 1e12 + i * 33.3e6;
      r[AckField.channel] = ch;
      r[AckField.seq] = i;
      r[AckField.state] = AckState.Presented;
      const total = e2eMs(ch, i) * 1e6;
      for (let h = 0; h < 8; h++) r[AckField.stamps + h] = t + (total * h) / 7;
      l.recordRow(r, 0);
    }
  }
  return l;
}

describe('latency report', () => {
  it('writes report.json and a self-contained report.html, PASS within budget', () => {
    const l = ledgerWith(() => 20);
    const rep = buildReport(l, 1e12 + 6e9, config, machineInfo('chromium test'));
    expect(rep.verdict).toEqual({ pass: true, reasons: [] });
    const dir = mkdtempSync(join(tmpdir(), 'specula-lat-'));
    try {
      const { json, html } = writeReport(dir, rep);
      const back = JSON.parse(readFileSync(json, 'utf8'));
      expect(back.schema).toBe(LATENCY_REPORT_SCHEMA);
      expect(back.channels).toHaveLength(2);
      expect(back.overall.segments[7].p50Ms).toBeCloseTo(20, 0);
      const page = readFileSync(html, 'utf8');
      expect(page).toContain('>PASS<');
      expect((page.match(/<svg /g) ?? []).length).toBe(1 + 8 + 8 + 1); // bars, histograms, series, per channel
      expect(page).not.toMatch(/<script|src=|href=|@import|url\(/); // nothing external
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('FAILs with the reason when a channel is over budget, and the summary table says so', () => {
    const l = ledgerWith((ch) => (ch === 1 ? 140 : 20));
    const rep = buildReport(l, 1e12 + 6e9, config, machineInfo());
    expect(rep.verdict.pass).toBe(false);
    expect(rep.verdict.reasons).toEqual([expect.stringMatching(/^channel 1: p99 1\d\d\.\d ms > budget 100 ms$/)]);
    const table = formatSummary(rep);
    expect(table).toMatch(/acquired→presented\s+300/);
    expect(table).toMatch(/FAIL/);
    expect(table).toMatch(/^1\s+30\.0\s+150\s+140\.\d/m);
  });
});
