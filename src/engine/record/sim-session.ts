/**
 * Record the built-in simulated device headless (used by `specula record`, the sample-recording
 * script and tests): device → rings → Recorder, for a fixed duration.
 */
import { REFERENCE_CHANNEL_ID, ringName } from '../../shared/device';
import type { NativeModule, RingConsumer } from '../../native/api';
import { appVersion } from './app-version';
import type { Compression } from './compression';
import { Recorder, type RecorderStatus } from './recorder';

export interface SimRecordOptions {
  out: string;
  durationS: number;
  channels: number;
  fps: number;
  lines: number;
  samples: number;
  seed: number;
  reference: boolean;
  /** Record only these channel ids (default: all, reference included). */
  only?: number[];
  compression?: Compression;
  note?: string;
  /** Cascade (spec JSON) stored for every optical channel. */
  cascade?: unknown;
  /** Called about once a second with the recorder status. */
  onProgress?: (s: RecorderStatus) => void;
  /** Resolves early when aborted (SIGINT). */
  abort?: Promise<void>;
}

export async function recordSim(native: NativeModule, o: SimRecordOptions): Promise<RecorderStatus> {
  if (typeof native.createSimDevice !== 'function') throw new Error('the native addon in use has no simulated device (createSimDevice): rebuild it with `npm run build:native`');
  const prefix = `specula-rec-${process.pid}`;
  const all = [...Array.from({ length: o.channels }, (_, i) => i), ...(o.reference ? [REFERENCE_CHANNEL_ID] : [])];
  const ids = o.only ?? all;
  for (const id of ids) if (!all.includes(id)) throw new Error(`channel ${id} is not produced by the device (channels: ${all.join(', ')})`);
  // 16 slots: the recorder reads in order (readNext) and can catch up on ~0.5 s of event-loop stall.
  const dev = native.createSimDevice({ prefix, channels: o.channels, lines: o.lines, samples: o.samples, fps: o.fps, seed: o.seed, reference: o.reference, slots: 16 });
  const consumers: RingConsumer[] = [];
  let rec: Recorder | null = null;
  try {
    for (const id of ids) consumers.push(native.openRing(ringName(prefix, id)));
    rec = await Recorder.start({
      path: o.out, sources: consumers, referenceChannels: new Set([REFERENCE_CHANNEL_ID]),
      labels: new Map(ids.map((id) => [id, id === REFERENCE_CHANNEL_ID ? 'reference' : `ch${id}`])),
      appVersion: appVersion(), operatorNote: o.note ?? '', compression: o.compression,
      channelExtra: new Map(ids.map((id) => [id, { label: id === REFERENCE_CHANNEL_ID ? 'reference' : `ch${id}`, cascade: id === REFERENCE_CHANNEL_ID ? null : (o.cascade ?? null) }])),
      device: { kind: 'sim', channels: o.channels, lines: o.lines, samples: o.samples, fps: o.fps, seed: o.seed, reference: o.reference },
    });
    dev.start();
    await new Promise<void>((resolve) => {
      const progress = setInterval(() => o.onProgress?.(rec!.status()), 1000);
      const done = setTimeout(finish, o.durationS * 1000);
      void o.abort?.then(finish);
      function finish(): void {
        clearInterval(progress);
        clearTimeout(done);
        resolve();
      }
    });
    dev.stop();
    rec.poll(); // frames published just before the stop
    return await rec.stop();
  } finally {
    if (rec) await rec.stop().catch(() => undefined);
    for (const c of consumers) c.close();
    dev.close();
  }
}
