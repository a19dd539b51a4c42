import { describe, expect, it } from 'vitest';
import { ACK_STRIDE, AckField, AckState, E2E_SEGMENT, SEGMENT_NAMES, judge } from '../../shared/latency';
import { LatencyLedger } from './ledger';

/** One ack row: hops stamped `t0 + cumulative ms offsets`. */
function row(channel: number, seq: number, t0Ns: number, hopMs: number[], opts: { skipped?: number; gap?: number; relay?: number; state?: AckState; cum?: [number, number, number] } = {}): number[] {
  const r = new Array<number>(ACK_STRIDE).fill(0);
  r[AckField.channel] = channel;
  r[AckField.seq] = seq;
  r[AckField.skipped] = opts.skipped ?? 0;
  r[AckField.gap] = opts.gap ?? 0;
  r[AckField.relayDropped] = opts.relay ?? 0;
  if (opts.cum) [r[AckField.emittedTotal], r[AckField.skippedTotal], r[AckField.gapTotal]] = opts.cum;
  r[AckField.state] = opts.state ?? AckState.Presented;
  let t = t0Ns;
  for (let h = 0; h < hopMs.length; h++) {
    t += hopMs[h] * 1e6;
    r[AckField.stamps + h] = t;
  }
  return r;
}

const STEPS = [0, 0.2, 0.5, 12, 0.3, 4, 2, 9]; // ms after the previous hop; [0] = acquired itself

describe('LatencyLedger', () => {
  it('measures each segment and the end-to-end sum', () => {
    const l = new LatencyLedger();
    for (let i = 1; i <= 100; i++) l.recordRows(row(3, i, 1e12 + i * 33e6, STEPS));
    const s = l.snapshot(1e12 + 4e9);
    expect(s.channels).toHaveLength(1);
    const c = s.channels[0];
    expect(c.presented).toBe(100);
    expect(SEGMENT_NAMES[2]).toBe('pickedUp→cascadeDone');
    for (let k = 0; k < 7; k++) expect(c.segments[k].p50Ms).toBeCloseTo(STEPS[k + 1], 1);
    const total = STEPS.reduce((a, b) => a + b, 0);
    expect(c.segments[E2E_SEGMENT].p99Ms).toBeCloseTo(total, 0);
    expect(c.fps).toBeCloseTo(1e9 / 33e6, 3);
    expect(c.accounting.unaccounted).toBe(0);
  });

  it('accounts every sequence number: skips, gaps, renderer drops and relay drops', () => {
    const l = new LatencyLedger();
    const t = (s: number) => 1e12 + s * 33e6;
    l.recordRows([
      ...row(0, 10, t(10), STEPS, { skipped: 4 }), // skips before the span: not counted in it
      ...row(0, 13, t(13), STEPS, { skipped: 1, gap: 1 }), // 11 skipped, 12 lost at source
      ...row(0, 14, t(14), [0, 1, 1, 1, 1, 1], { state: AckState.RendererDropped }),
      ...row(0, 16, t(16), STEPS, { skipped: 1 }), // 15 skipped
    ]);
    // the relay dropped the display frame of 18 (which covered 17, skipped): 19 carries both
    l.recordRows(row(0, 19, t(19), STEPS, { relay: 1, skipped: 1 }));
    const c = l.snapshot(t(30)).channels[0];
    expect(c.accounting).toEqual({ firstSeq: 10, lastSeq: 19, span: 10, accounted: 10, unaccounted: 0, exact: false });
    expect(c.drops).toMatchObject({ workerSkip: 7, sourceGap: 1, rendererDrop: 1, relayDrop: 1 });
    expect(c.presented).toBe(4);
    // a dropped frame's missing hops are not measured
    expect(c.segments[E2E_SEGMENT].count).toBe(4);
    expect(c.segments[0].count).toBe(5);
  });

  it('is exact with the worker cumulative counters: drops after the worker need no carrying', () => {
    const l = new LatencyLedger();
    const t = (s: number) => 1e12 + s * 33e6;
    // worker: 10 emitted(#1), 11 skipped, 12 emitted(#2, dropped by the relay ring: never acked),
    // 13 lost at source, 14 emitted(#3), 15 emitted(#4, dropped by the renderer: acked as dropped)
    l.recordRows([
      ...row(0, 10, t(10), STEPS, { cum: [1, 0, 0] }),
      ...row(0, 14, t(14), STEPS, { cum: [3, 1, 1], gap: 1 }),
      ...row(0, 15, t(15), [0, 1, 1, 1, 1, 1], { cum: [4, 1, 1], state: AckState.RendererDropped }),
    ]);
    let c = l.snapshot(t(20)).channels[0];
    expect(c.accounting).toEqual({ firstSeq: 10, lastSeq: 15, span: 6, accounted: 6, unaccounted: 0, exact: true });
    expect(c.drops).toMatchObject({ workerSkip: 1, sourceGap: 1, afterWorker: 1, rendererDrop: 1 });
    // a frame the worker neither emitted nor counted (e.g. a sink drop it forgot) is caught
    l.recordRows(row(0, 17, t(17), STEPS, { cum: [5, 1, 1] }));
    c = l.snapshot(t(20)).channels[0];
    expect(c.accounting.unaccounted).toBe(1);
  });

  it('flags frames lost without being counted and fails the verdict', () => {
    const l = new LatencyLedger();
    l.recordRows([...row(1, 1, 1e12, STEPS), ...row(1, 5, 1e12 + 1e8, STEPS, { skipped: 1 })]);
    const s = l.snapshot(1e12 + 1e9);
    expect(s.channels[0].accounting.unaccounted).toBe(2);
    const v = judge(s, 100);
    expect(v.pass).toBe(false);
    expect(v.reasons.join()).toMatch(/2 frame\(s\) lost without being counted/);
  });

  it('judges the chosen percentile against the budget', () => {
    const l = new LatencyLedger();
    for (let i = 1; i <= 100; i++) l.recordRows(row(0, i, 1e12 + i * 1e7, [0, 1, 1, 1, 1, 1, 1, i <= 97 ? 20 : 300]));
    const s = l.snapshot(2e12);
    expect(judge(s, 100, 95).pass).toBe(true);
    const v = judge(s, 100, 99);
    expect(v.pass).toBe(false);
    expect(v.reasons[0]).toMatch(/channel 0: p99 30\d\.\d ms > budget 100 ms/);
    expect(judge(s, 100, 99, 2).reasons.join()).toMatch(/only 1 of 2 channels/);
  });

  it('ignores warm-up frames and rejects malformed rows without growing', () => {
    const l = new LatencyLedger({ warmupEndNs: 1e12 });
    l.recordRows(row(0, 1, 0.5e12, STEPS));
    l.recordRows(row(70000, 2, 2e12, STEPS));
    l.recordRows(row(0, 0, 2e12, STEPS));
    expect(l.snapshot(3e12).channels).toHaveLength(0);
    expect(l.rejectedRows).toBe(2);
    expect(() => l.recordRows([1, 2, 3])).toThrow(/multiple of the row stride 19/);
  });

  it('stays bounded in memory over a long synthetic run', () => {
    const l = new LatencyLedger({ seriesCapacity: 256 });
    const r = row(0, 1, 0, STEPS);
    const channels = 16;
    const frames = 30 * 3600; // one hour at 30 fps per channel, 1.7 M rows in all
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    let t = 1e12;
    for (let i = 1; i <= frames; i++) {
      t += 33.3e6;
      for (let ch = 0; ch < channels; ch++) {
        r[AckField.channel] = ch;
        r[AckField.seq] = i;
        for (let h = 0; h < 8; h++) r[AckField.stamps + h] = t + ch * 1e6 + h * 2e6 + (i % 7) * 1e5;
        l.recordRow(r, 0);
      }
      if (i === 1000) {
        global.gc?.();
      }
    }
    const s = l.snapshot(t);
    expect(s.overall.presented).toBe(frames * channels);
    expect(s.overall.accounting.unaccounted).toBe(0);
    const series = l.series();
    for (const d of [...series.overall, ...series.channels]) expect(d.points.length / 4).toBeLessThanOrEqual(256);
    global.gc?.();
    const grown = process.memoryUsage().heapUsed - heap0;
    // 16 channels × 8 histograms × 13 KiB + series ≈ 2 MiB; 1.7 M rows must not add to it.
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });
});
