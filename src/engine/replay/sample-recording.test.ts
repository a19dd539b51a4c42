import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FrameFlag } from '../../shared/frame-header';
import { REFERENCE_CHANNEL_ID } from '../../shared/device';
import { Recording } from '../record/recording';
import { ReplayController } from './replay-controller';
import { MemorySink } from './replay-sink';

const sample = fileURLToPath(new URL('../../../resources/recordings/sample.mcap', import.meta.url));

describe('bundled sample recording (scripts/make-sample-recording.ts)', () => {
  it('exists, is indexed, has 2 channels + reference from the simulator and no drops', async () => {
    expect(existsSync(sample)).toBe(true);
    const r = await Recording.open(sample);
    try {
      expect(r.indexed).toBe(true);
      expect(r.channels.map((c) => c.meta.channel)).toEqual([0, 1, REFERENCE_CHANNEL_ID]);
      expect(r.session?.device).toMatchObject({ kind: 'sim', seed: 20261122 });
      expect(r.chunks.every((c) => c.compression === 'lz4')).toBe(true);
      expect(r.storedStats?.every((s) => s.dropped === 0)).toBe(true);
      for (const c of r.channels) expect(c.count).toBeGreaterThan(50);
      expect(r.durationNs).toBeGreaterThan(1.9e9);
      expect((r.channelExtra.get(0)?.cascade as { name?: string })?.name).toMatch(/light/);
    } finally {
      await r.close();
    }
  });

  it('replays out of the box, every frame in order, flagged as replay', async () => {
    const sink = new MemorySink();
    let done!: () => void;
    const ended = new Promise<void>((res) => { done = res; });
    const c = await ReplayController.open(sample, sink, { speed: 'max', autoplay: true, onState: (s) => { if (s.state === 'ended') done(); } });
    await ended;
    const total = c.recording.channels.reduce((a, ch) => a + ch.count, 0);
    expect(sink.frames.length).toBe(total);
    expect(sink.frames.every((f) => (f.flags & FrameFlag.Replay) && (f.flags & FrameFlag.Simulated))).toBe(true);
    expect(sink.frames.filter((f) => f.channel === REFERENCE_CHANNEL_ID).every((f) => f.flags & FrameFlag.Reference)).toBe(true);
    await c.close();
  });
});
