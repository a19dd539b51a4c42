import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DType } from '../../shared/frame-header';
import { ringName } from '../../shared/device';
import { findNativeAddon, loadNative } from '../../native/load';
import { engineDeviceInfo, openEngineSources } from './engine-sources';
import { Recorder, monotonicNowNs } from './recorder';
import { Recording } from './recording';
import { tempDir } from './test-util';

const hasNative = (() => { try { return !!findNativeAddon() && !!loadNative(); } catch { return false; } })();

describe.skipIf(!hasNative)('recording an engine\'s live rings', () => {
  it('opens the optical and reference rings and records them', async () => {
    const native = loadNative();
    const prefix = `spt-recsrc-${process.pid}`;
    const prod = [0, 255].map((c) => native.createRing({ name: ringName(prefix, c), channel: c, lines: 2, samples: 8, dtype: DType.U16, slots: 4 }));
    const engine = {
      native, info: { channels: [0], reference: true, fps: 30, lines: 2, samples: 8, prefix },
      ringName: (c: number) => ringName(prefix, c), referenceRingName: () => ringName(prefix, 255),
    };
    const t = tempDir();
    const live = openEngineSources(engine);
    try {
      expect(live.sources.map((s) => s.channel)).toEqual([0, 255]);
      expect([...live.reference]).toEqual([255]);
      expect(() => openEngineSources(engine, [3])).toThrow(/channel 3 is not live/);
      const path = join(t.dir, 'live.mcap');
      const rec = await Recorder.start({ path, sources: live.sources, manualPoll: true, labels: live.labels, referenceChannels: live.reference, device: engineDeviceInfo(engine) });
      for (let i = 0; i < 3; i++) for (const p of prod) p.publish(new Uint16Array(16).fill(i), monotonicNowNs(), 0, 0);
      rec.poll();
      const fin = await rec.stop();
      expect(fin.channels.map((c) => c.recorded)).toEqual([3, 3]);
      const r = await Recording.open(path);
      expect(r.channels.map((c) => [c.meta.channel, c.meta.label, c.meta.reference])).toEqual([[0, 'CH 0', false], [255, 'reference', true]]);
      expect(r.session?.device).toMatchObject({ kind: 'sim', prefix });
      await r.close();
    } finally {
      for (const s of live.sources) s.close();
      for (const p of prod) p.close();
      t.cleanup();
    }
  });
});
