import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DType } from '../../shared/frame-header';
import type { RecorderStatus, ReplayState } from '../../shared/recording';
import { readNpy } from '../../shared/npy';
import { FakeRing } from '../record/synthetic-frames';
import { tempDir } from '../record/test-util';
import { createRecordReplayService } from './bridge-handlers';
import { monotonicNowNs } from '../record/recorder';
import { MemorySink } from './replay-sink';

let t: ReturnType<typeof tempDir>;
beforeEach(() => { t = tempDir(); });
afterEach(() => t.cleanup());

describe('record/replay bridge handlers', () => {
  it('records live rings, lists, replays, steps and exports through the bridge calls', async () => {
    const rings = [0, 1].map((c) => new FakeRing({ channel: c, lines: 4, samples: 6, dtype: DType.U16 }, 5));
    const events: { e: string; d: RecorderStatus | ReplayState | null }[] = [];
    const sink = new MemorySink();
    let closedSources = 0;
    let replayClosed = 0;
    const svc = createRecordReplayService({
      recordingsDir: t.dir,
      openLiveSources: (channels) => ({
        sources: rings.filter((r) => !channels || channels.includes(r.channel)).map((r) => Object.assign(r, { close: () => { closedSources++; } })),
        labels: new Map([[0, 'left'], [1, 'right']]), reference: new Set(),
      }),
      deviceInfo: () => ({ kind: 'fake' }),
      cascadeOf: () => null,
      openReplaySink: () => sink,
      onReplayClosed: () => { replayClosed++; },
      emit: (e: string, d: RecorderStatus | ReplayState | null) => { events.push({ e, d }); },
    });
    const h = svc.handlers;
    const st = await h['record.start']!({ out: 'take1', note: 'via bridge' });
    expect(st.state).toBe('recording');
    for (let i = 0; i < 5; i++) {
      rings.forEach((r) => r.publish(monotonicNowNs() + r.channel));
      await new Promise((r) => setTimeout(r, 10)); // the recorder polls on its own timer
    }
    const fin = await h['record.stop']!({});
    expect(fin?.state).toBe('stopped');
    expect(fin?.framesRecorded).toBe(10);
    expect(closedSources).toBe(2);
    expect(events.some((x) => x.e === 'record')).toBe(true);
    const list = await h['recordings.list']!({});
    expect(list.map((f) => f.name)).toEqual(['take1.mcap']);

    const rs = await h['replay.open']!({ path: list[0].path });
    expect(rs).toMatchObject({ state: 'paused', frameCount: 5, frameIndex: 0 });
    const s2 = await h['replay.control']!({ op: 'step', frames: 2 });
    expect(s2.frameIndex).toBe(2);
    const ex = await h['export.frame']!({ channel: 1, format: 'both' });
    // Channel 1's frames come after channel 0's: at channel 0's frame 2, channel 1 shows frame 1.
    expect(ex.files).toEqual([join(t.dir, 'take1-ch1-f1.npy'), join(t.dir, 'take1-ch1-f1.png')]);
    const npy = readNpy(readFileSync(ex.files[0]));
    expect(npy.shape).toEqual([4, 6]);
    const range = await h['export.frame']!({ channel: 0, format: 'npy', rangeNs: { startNs: 0, endNs: 1e9 } });
    expect(readNpy(readFileSync(range.files[0])).shape).toEqual([5, 4, 6]);
    await expect(h['replay.control']!({ op: 'bogus' } as never)).rejects.toThrow(/unknown op/);
    expect(await h['replay.close']!({})).toEqual({ closed: true });
    expect(replayClosed).toBe(1);
    expect(sink.closed).toBe(true);
    await expect(h['replay.control']!({ op: 'play' })).rejects.toThrow(/no recording is open/);
    await expect(h['replay.open']!({ path: join(t.dir, 'missing.mcap') })).rejects.toThrow(/no such file/);
    expect(existsSync(ex.files[1])).toBe(true);
    await svc.close();
  });
});
