/**
 * Glue for `createRecordReplayService`: the live rings of a running Engine as recorder sources,
 * and its device configuration for the recording's metadata. Structural types only, so this
 * module does not depend on the Engine class.
 */
import { REFERENCE_CHANNEL_ID } from '../../shared/device';
import type { NativeModule, RingConsumer } from '../../native/api';

export interface LiveEngineLike {
  readonly native: Pick<NativeModule, 'openRing'>;
  readonly info: { channels: number[]; reference: boolean; fps: number; lines: number; samples: number; prefix: string };
  ringName(channel: number): string;
  referenceRingName(): string | null;
}

/** Open consumers on the engine's rings: the given channels (default all optical + reference). */
export function openEngineSources(engine: LiveEngineLike, channels?: number[]): { sources: (RingConsumer & { close(): void })[]; labels: Map<number, string>; reference: Set<number> } {
  const all = [...engine.info.channels, ...(engine.info.reference ? [REFERENCE_CHANNEL_ID] : [])];
  const want = channels ?? all;
  for (const c of want) if (!all.includes(c)) throw new Error(`record: channel ${c} is not live (channels: ${all.join(', ')})`);
  const sources: RingConsumer[] = [];
  try {
    for (const c of want) sources.push(engine.native.openRing(c === REFERENCE_CHANNEL_ID ? engine.referenceRingName()! : engine.ringName(c)));
  } catch (e) {
    for (const s of sources) s.close();
    throw e;
  }
  return {
    sources,
    labels: new Map(want.map((c) => [c, c === REFERENCE_CHANNEL_ID ? 'reference' : `CH ${c}`])),
    reference: new Set(want.filter((c) => c === REFERENCE_CHANNEL_ID)),
  };
}

export function engineDeviceInfo(engine: LiveEngineLike): Record<string, unknown> {
  const i = engine.info;
  return { kind: 'sim', channels: i.channels.length, lines: i.lines, samples: i.samples, fps: i.fps, reference: i.reference, prefix: i.prefix };
}
