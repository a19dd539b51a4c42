import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SEGMENT_COUNT, type ChannelLatency, type LatencySnapshot, type SegmentStats } from '../../../shared/latency';
import { LatencyPanel } from './LatencyPanel';

function seg(p: number): SegmentStats {
  return { count: 100, minMs: p / 2, meanMs: p, p50Ms: p, p95Ms: p * 1.2, p99Ms: p * 1.5, maxMs: p * 2, negative: 0 };
}
function chan(channel: number, e2e: number, unaccounted = 0): ChannelLatency {
  const segments = Array.from({ length: SEGMENT_COUNT }, (_, i) => seg(i === SEGMENT_COUNT - 1 ? e2e : e2e / 8));
  return {
    channel, presented: 100, fps: 30, segments,
    drops: { sourceGap: 0, workerSkip: 2, relayDrop: 0, rendererDrop: 1, ackOverflow: 0, afterWorker: 0 },
    accounting: { firstSeq: 1, lastSeq: 103, span: 103, accounted: 103 - unaccounted, unaccounted, exact: true },
  };
}
function snap(chs: ChannelLatency[]): LatencySnapshot {
  return { tNs: 1, syncWorstUncertaintyNs: 2e5, elapsedS: 10, sync: { offsetNs: 5e6, uncertaintyNs: 2e5, rttMinNs: 4e5, samples: 9 }, overall: { ...chans0(chs), channel: -1 }, channels: chs };
}
const chans0 = (chs: ChannelLatency[]) => chs[0];

describe('LatencyPanel', () => {
  it('shows PASS under budget with per-hop bars, the budget line and the table', () => {
    const html = renderToStaticMarkup(<LatencyPanel snapshot={snap([chan(0, 20), chan(1, 30)])} budgetMs={100} />);
    expect(html).toMatch(/data-pass="true"[^>]*>PASS</);
    expect(html).toContain('budget 100 ms');
    expect(html).toContain('data-testid="latency-bars"');
    expect((html.match(/<tr/g) ?? []).length).toBe(1 + 3); // header + all + 2 channels
    expect(html).toContain('clock sync ±0.20 ms');
  });

  it('shows FAIL with the reasons when p99 exceeds the budget or frames were lost uncounted', () => {
    const html = renderToStaticMarkup(<LatencyPanel snapshot={snap([chan(0, 20), chan(1, 80, 3)])} budgetMs={100} />);
    expect(html).toMatch(/data-pass="false"[^>]*>FAIL</);
    expect(html).toContain('channel 1: p99 120.0 ms &gt; budget 100 ms');
    expect(html).toContain('channel 1: 3 frame(s) lost without being counted');
    // the same data passes a looser budget
    expect(renderToStaticMarkup(<LatencyPanel snapshot={snap([chan(0, 20), chan(1, 80)])} budgetMs={150} />)).toContain('>PASS<');
  });

  it('says NO DATA before the first snapshot', () => {
    expect(renderToStaticMarkup(<LatencyPanel snapshot={null} budgetMs={100} />)).toContain('NO DATA');
  });
});
