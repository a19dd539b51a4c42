/**
 * `specula recover`: rewrite a recording (typically one cut off by a crash, without summary) into a
 * fresh, fully indexed file: every frame up to the last complete chunk, the original metadata, and
 * drop counts (the stored ones, or — for a file that never reached stop — counted from the gaps in
 * the frame headers' sequence numbers).
 */
import { newFrameHeader, readFrameHeader } from '../../shared/frame-header';
import { McapFrameWriter } from './mcap-frame-writer';
import { Recording } from './recording';
import type { ChannelStats } from './format';

export interface RecoverResult {
  out: string;
  frames: number;
  wasIndexed: boolean;
  warning: string;
  stats: ChannelStats[];
  statsSource: 'stored' | 'sequence-gaps';
}

export async function recoverRecording(input: string, out: string): Promise<RecoverResult> {
  const rec = await Recording.open(input);
  let writer: McapFrameWriter | null = null;
  try {
    const compression = rec.chunks.some((c) => c.compression === 'lz4') ? 'lz4' : 'none';
    writer = await McapFrameWriter.create({
      path: out, channels: rec.channels.map((c) => c.meta), compression,
      session: rec.session ?? { appVersion: 'unknown', startTime: '', operatorNote: '', device: {}, epochNsAtStart: String(rec.startLogTime), monoNsAtStart: '0' },
      channelExtra: rec.channelExtra, library: 'specula recover',
    });
    // Merge channels in time order (as recorded), copying each frame (the reader's views are transient).
    const next = rec.channels.map(() => 0);
    const lastSeq = rec.channels.map(() => 0);
    const gaps = rec.channels.map(() => 0);
    const h = newFrameHeader();
    let frames = 0;
    for (;;) {
      let k = -1;
      for (let j = 0; j < rec.channels.length; j++) {
        const c = rec.channels[j];
        if (next[j] < c.count && (k < 0 || c.timeNs[next[j]] < rec.channels[k].timeNs[next[k]])) k = j;
      }
      if (k < 0) break;
      const ch = rec.channels[k];
      const bytes = (await rec.readFrame(ch, next[k]++)).slice();
      readFrameHeader(bytes, h);
      if (lastSeq[k] && h.seq > lastSeq[k] + 1) gaps[k] += h.seq - lastSeq[k] - 1;
      lastSeq[k] = h.seq;
      writer.add({ bytes, channel: h.channel, seq: h.seq, tAcquiredNs: h.tAcquiredNs, tRingWriteNs: h.tRingWriteNs, release: () => undefined }, 0);
      frames++;
      if (writer.pendingBytes > 64 * 1024 * 1024) await writer.flush();
    }
    const stored = rec.storedStats;
    const stats: ChannelStats[] = stored ? [...stored] : rec.channels.map((c, j) => ({ channel: c.meta.channel, recorded: c.count, dropped: gaps[j] }));
    await writer.close(stats);
    writer = null;
    return { out, frames, wasIndexed: rec.indexed, warning: rec.warning, stats, statsSource: stored ? 'stored' : 'sequence-gaps' };
  } finally {
    if (writer) await writer.abort();
    await rec.close();
  }
}
