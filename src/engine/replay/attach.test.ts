import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeHandlers } from '../../shared/bridge';
import { DType } from '../../shared/frame-header';
import type { RingConsumer } from '../../native/api';
import { FakeRing } from '../record/synthetic-frames';
import { monotonicNowNs } from '../record/recorder';
import { tempDir } from '../record/test-util';
import { attachRecordReplay, findRecordingsResourceDir } from './attach';

let t: ReturnType<typeof tempDir>;
beforeEach(() => { t = tempDir(); });
afterEach(() => t.cleanup());

describe('attachRecordReplay', () => {
  it('adds the calls to a host, records the engine rings, lists the bundled sample, explains missing replay wiring', async () => {
    const rings = new Map([0, 255].map((c) => [`/p-ch${c}`, new FakeRing({ channel: c, lines: 2, samples: 4, dtype: DType.U16 }, 1, 4)]));
    const handlers: BridgeHandlers = {};
    const events: string[] = [];
    const host = { extend: (h: BridgeHandlers) => Object.assign(handlers, h), emitEvent: (name: string) => { events.push(name); } };
    const engine = {
      native: { openRing: (name: string) => Object.assign(rings.get(name)!, { close: () => undefined }) as unknown as RingConsumer },
      info: { channels: [0], reference: true, fps: 30, lines: 2, samples: 4, prefix: 'p' },
      ringName: (c: number) => `/p-ch${c}`, referenceRingName: () => '/p-ch255',
    };
    const svc = attachRecordReplay(host, engine, { recordingsDir: t.dir });
    expect(Object.keys(handlers).sort()).toEqual(['export.frame', 'record.start', 'record.status', 'record.stop', 'recordings.list', 'replay.close', 'replay.control', 'replay.open', 'replay.state']);
    await handlers['record.start']!({});
    for (const r of rings.values()) r.publish(monotonicNowNs());
    await new Promise((r) => setTimeout(r, 20));
    const fin = await handlers['record.stop']!({});
    expect(fin?.channels.map((c) => [c.channel, c.recorded])).toEqual([[0, 1], [255, 1]]);
    expect(events).toContain('record');
    const list = await handlers['recordings.list']!({});
    expect(list.some((f) => f.name === 'sample.mcap')).toBe(findRecordingsResourceDir() !== null);
    await expect(handlers['replay.open']!({ path: list.find((f) => f.name !== 'sample.mcap')!.path })).rejects.toThrow(/replay is not wired/);
    await svc.close();
  });
});
