/** Helpers shared by the recorder/replay tests: make small recordings from synthetic rings. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DType } from '../../shared/frame-header';
import { Recorder, type RecorderOptions } from './recorder';
import { FakeRing } from './synthetic-frames';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'specula-rec-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface MadeRecording {
  rings: FakeRing[];
  /** payload copies of every frame published, per channel, in order */
  published: Map<number, Uint8Array[]>;
}

/**
 * Record `frames` frames per channel from fake rings at `periodNs` spacing (acquisition stamps are
 * synthetic, so this runs as fast as the disk). Returns what was published, to compare with.
 */
export async function makeRecording(path: string, o: {
  channels?: number[]; lines?: number; samples?: number; frames?: number; periodNs?: number; keep?: boolean;
  opts?: Partial<RecorderOptions>; stop?: boolean;
} = {}): Promise<MadeRecording & { recorder: Recorder }> {
  const channels = o.channels ?? [0, 1, 255];
  const rings = channels.map((c) => new FakeRing({ channel: c, lines: c === 255 ? 1 : (o.lines ?? 8), samples: o.samples ?? 16, dtype: DType.U16 }, 3));
  const rec = await Recorder.start({ path, sources: rings, manualPoll: true, acceptFramesFromNs: 0, referenceChannels: new Set([255]), appVersion: 'test', operatorNote: 'unit test', device: { kind: 'fake' }, ...o.opts });
  const published = new Map<number, Uint8Array[]>(channels.map((c) => [c, []]));
  const base = 1_000_000_000;
  const period = o.periodNs ?? 33_333_333;
  for (let i = 0; i < (o.frames ?? 10); i++) {
    rings.forEach((r, k) => {
      r.publish(base + i * period + k * 1000);
      if (o.keep !== false) published.get(r.channel)!.push(r.payload.slice());
    });
    rec.poll();
    await new Promise((res) => setImmediate(res));
  }
  if (o.stop !== false) await rec.stop();
  return { rings, published, recorder: rec };
}
