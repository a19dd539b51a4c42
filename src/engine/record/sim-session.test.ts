import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFrameHeader } from '../../shared/frame-header';
import { findNativeAddon, loadNative } from '../../native/load';
import { Recording } from './recording';
import { recordSim } from './sim-session';
import { tempDir } from './test-util';

const hasNative = (() => {
  try {
    return !!findNativeAddon() && typeof loadNative().createSimDevice === 'function';
  } catch {
    return false;
  }
})();

let t: ReturnType<typeof tempDir>;
beforeEach(() => { t = tempDir(); });
afterEach(() => t.cleanup());

describe.skipIf(!hasNative)('recording the native simulated device', () => {
  it('records every channel incl. the reference, in sequence, accounts for every frame and cleans its rings', async () => {
    const out = join(t.dir, 'sim.mcap');
    const fin = await recordSim(loadNative(), { out, durationS: 0.6, channels: 2, fps: 30, lines: 8, samples: 64, seed: 7, reference: true });
    expect(fin.state).toBe('stopped');
    const rec = await Recording.open(out);
    try {
      expect(rec.channels.map((c) => c.meta.channel)).toEqual([0, 1, 255]);
      expect(rec.channels[2].meta.reference).toBe(true);
      for (const ch of rec.channels) {
        expect(ch.count).toBeGreaterThan(8);
        // recorded + dropped covers the sequence range exactly: nothing is lost unaccounted.
        const first = readFrameHeader(await rec.readFrame(ch, 0)).seq;
        const last = readFrameHeader(await rec.readFrame(ch, ch.count - 1)).seq;
        const st = rec.storedStats!.find((s) => s.channel === ch.meta.channel)!;
        expect(st.recorded).toBe(ch.count);
        expect(ch.count + st.dropped).toBe(last - first + 1);
      }
    } finally {
      await rec.close();
    }
    expect(readdirSync('/dev/shm').filter((f) => f.startsWith(`specula-rec-${process.pid}`))).toEqual([]);
  });
});
