import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { RecorderStatus, ReplayState } from '../../../shared/recording';
import { formatBytes, formatElapsedMs, formatTimeNs } from './format';
import { RecordingIndicator } from './RecordingIndicator';
import { Timeline } from './Timeline';

const rec = (o: Partial<RecorderStatus> = {}): RecorderStatus => ({
  state: 'recording', path: '/data/specula-take.mcap', startedAt: '', elapsedMs: 75_400, bytes: 345_600_000,
  framesRecorded: 100, framesDropped: 0, channels: [], error: null, ...o,
});
const rep = (o: Partial<ReplayState> = {}): ReplayState => ({
  path: '/r/sample.mcap', state: 'paused', speed: 1, positionNs: 1_500_000_000, durationNs: 6_000_000_000, loop: null,
  frameIndex: 45, frameCount: 180, primaryChannel: 0, channels: [{ channel: 0, label: 'ch0', frames: 180, reference: false }, { channel: 255, label: 'reference', frames: 180, reference: true }],
  framesPublished: 10, warning: '', error: null, ...o,
});

describe('format', () => {
  it('formats times, elapsed and sizes', () => {
    expect(formatTimeNs(0)).toBe('0:00.000');
    expect(formatTimeNs(61_234_000_000)).toBe('1:01.234');
    expect(formatTimeNs(3_661_000_000_000)).toBe('1:01:01.000');
    expect(formatElapsedMs(75_400)).toBe('01:15');
    expect(formatElapsedMs(3_600_000)).toBe('1:00:00');
    expect(formatBytes(345_600_000)).toBe('345.6 MB');
    expect(formatBytes(12)).toBe('12 B');
  });
});

describe('RecordingIndicator', () => {
  it('shows REC, elapsed, size and drops while recording', () => {
    const html = renderToStaticMarkup(<RecordingIndicator status={rec({ framesDropped: 3 })} onStop={() => undefined} />);
    expect(html).toContain('data-recording="true"');
    expect(html).toContain('>REC<');
    expect(html).toMatch(/data-testid="rec-elapsed"[^>]*>01:15</);
    expect(html).toMatch(/data-testid="rec-size"[^>]*>345.6 MB</);
    expect(html).toMatch(/class="rec-drops bad"[^>]*>3 dropped</);
    expect(html).toContain('>Stop<');
  });
  it('shows not recording with a record button, and a failure', () => {
    const idle = renderToStaticMarkup(<RecordingIndicator status={null} onStart={() => undefined} />);
    expect(idle).toContain('data-recording="false"');
    expect(idle).toContain('● Record');
    expect(idle).not.toContain('>REC<');
    const failed = renderToStaticMarkup(<RecordingIndicator status={rec({ state: 'failed', error: 'ENOSPC: no space left' })} />);
    expect(failed).toContain('recording failed: ENOSPC: no space left');
  });
});

describe('Timeline', () => {
  it('shows position, duration, frame, speed and the scrubber position', () => {
    const html = renderToStaticMarkup(<Timeline state={rep()} onCommand={() => undefined} onExport={() => undefined} />);
    expect(html).toMatch(/data-testid="timeline-time"[^>]*>0:01.500 \/ 0:06.000</);
    expect(html).toContain('frame 46 / 180');
    expect(html).toMatch(/data-testid="scrubber"[^>]*value="2500"/);
    expect(html).toContain('title="play"');
    expect(html).toMatch(/<option value="1" selected="">1×<\/option>/);
    expect(html).toContain('(ref)');
    expect(html).toContain('export processed');
  });
  it('shows pause while playing, the loop band and warnings', () => {
    const html = renderToStaticMarkup(<Timeline state={rep({ state: 'playing', speed: 'max', loop: { startNs: 1e9, endNs: 3e9 }, warning: 'no summary' })} onCommand={() => undefined} />);
    expect(html).toContain('title="pause"');
    expect(html).toMatch(/<option value="max" selected="">max<\/option>/);
    expect(html).toContain('left:16.666666666666664%');
    expect(html).toContain('unindexed file');
    expect(html).not.toContain('export raw');
  });
});
