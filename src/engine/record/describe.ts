/** What `specula info` prints: a plain-JSON description of a recording. */
import { DType } from '../../shared/frame-header';
import type { Recording } from './recording';

export interface RecordingSummary {
  path: string;
  bytes: number;
  indexed: boolean;
  warning: string;
  durationS: number;
  chunks: number;
  compression: string[];
  session: Recording['session'];
  channels: {
    channel: number; label: string; reference: boolean; geometry: string; frames: number; fps: number;
    /** Stored drop count (null when the file was not closed: then unknown). */
    dropped: number | null;
    cascade: string | null;
  }[];
}

export function describeRecording(r: Recording): RecordingSummary {
  const comp = new Set(r.chunks.map((c) => c.compression || 'none'));
  return {
    path: r.path, bytes: r.fileBytes, indexed: r.indexed, warning: r.warning, durationS: r.durationNs / 1e9,
    chunks: r.chunks.length, compression: [...comp], session: r.session,
    channels: r.channels.map((c) => {
      const span = c.count > 1 ? (c.timeNs[c.count - 1] - c.timeNs[0]) / 1e9 : 0;
      const extra = r.channelExtra.get(c.meta.channel);
      const cascade = extra?.cascade && typeof extra.cascade === 'object' ? String((extra.cascade as { name?: unknown }).name ?? 'custom') : null;
      return {
        channel: c.meta.channel, label: c.meta.label, reference: c.meta.reference, geometry: `${c.meta.lines}x${c.meta.samples} ${DType[c.meta.dtype].toLowerCase()}`,
        frames: c.count, fps: span > 0 ? +((c.count - 1) / span).toFixed(2) : 0,
        dropped: r.storedStats?.find((s) => s.channel === c.meta.channel)?.dropped ?? null, cascade,
      };
    }),
  };
}
