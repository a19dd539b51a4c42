import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McapIndexedReader, McapStreamReader, type IReadable } from '@mcap/core';
import { FRAME_HEADER_BYTES, readFrameHeader } from '../../shared/frame-header';
import { MCAP_DECOMPRESS_HANDLERS } from './compression';
import { META_SESSION, META_STATS, topicFor } from './format';
import { Recording } from './recording';
import { makeRecording, tempDir } from './test-util';
import { FakeRing } from './synthetic-frames';
import { Recorder } from './recorder';
import { DType } from '../../shared/frame-header';

function bufReadable(b: Uint8Array): IReadable {
  return { size: async () => BigInt(b.byteLength), read: async (o, n) => b.subarray(Number(o), Number(o + n)) };
}

let t: ReturnType<typeof tempDir>;
beforeEach(() => { t = tempDir(); });
afterEach(() => t.cleanup());

describe('recorder → MCAP', () => {
  for (const compression of ['none', 'lz4'] as const) {
    it(`writes a standard indexed MCAP (${compression}) that @mcap/core reads with CRCs`, async () => {
      const path = join(t.dir, `a-${compression}.mcap`);
      const { published } = await makeRecording(path, { frames: 25, opts: { compression, chunkBytes: 2000 } });
      const bytes = readFileSync(path);
      const reader = await McapIndexedReader.Initialize({ readable: bufReadable(bytes), decompressHandlers: MCAP_DECOMPRESS_HANDLERS });
      expect(reader.header.profile).toBe('specula');
      expect(reader.chunkIndexes.length).toBeGreaterThan(3);
      expect([...reader.channelsById.values()].map((c) => c.topic).sort()).toEqual([topicFor(0), topicFor(1), topicFor(255)].sort());
      expect(reader.statistics?.messageCount).toBe(75n);
      const seen = new Map<string, number>();
      let lastT = 0n;
      for await (const m of reader.readMessages({ validateCrcs: true })) {
        expect(m.logTime >= lastT).toBe(true);
        lastT = m.logTime;
        const topic = reader.channelsById.get(m.channelId)!.topic;
        const k = seen.get(topic) ?? 0;
        seen.set(topic, k + 1);
        const h = readFrameHeader(m.data);
        expect(h.seq).toBe(k + 1);
        expect(m.sequence).toBe(k + 1);
        expect(Buffer.from(m.data.subarray(FRAME_HEADER_BYTES)).equals(Buffer.from(published.get(h.channel)![k]))).toBe(true);
      }
      expect(seen.get(topicFor(0))).toBe(25);
      const meta = new Map<string, Map<string, string>>();
      for await (const m of reader.readMetadata()) meta.set(m.name, m.metadata);
      expect(meta.get(META_SESSION)?.get('operatorNote')).toBe('unit test');
      expect(JSON.parse(meta.get(META_STATS)!.get('channels')!)).toEqual([
        { channel: 0, recorded: 25, dropped: 0 }, { channel: 1, recorded: 25, dropped: 0 }, { channel: 255, recorded: 25, dropped: 0 }]);
      // The streaming reader (what `mcap` tools do on a plain scan) also accepts it, CRCs included.
      const sr = new McapStreamReader({ decompressHandlers: MCAP_DECOMPRESS_HANDLERS, validateCrcs: true });
      sr.append(bytes);
      let msgs = 0;
      for (let r; (r = sr.nextRecord()); ) if (r.type === 'Message') msgs++;
      expect(msgs).toBe(75);
      expect(sr.done()).toBe(true);
    });
  }

  it('reads frames back through Recording with metadata, timing and seek by binary search', async () => {
    const path = join(t.dir, 'b.mcap');
    const { published } = await makeRecording(path, { frames: 12, opts: { chunkBytes: 3000 } });
    const rec = await Recording.open(path);
    try {
      expect(rec.indexed).toBe(true);
      expect(rec.warning).toBe('');
      expect(rec.channels.map((c) => c.meta.channel)).toEqual([0, 1, 255]);
      expect(rec.channels[2].meta.reference).toBe(true);
      expect(rec.session?.appVersion).toBe('test');
      expect(rec.session?.device).toEqual({ kind: 'fake' });
      expect(rec.durationNs).toBe(11 * 33_333_333 + 2000);
      const ch1 = rec.channel(1)!;
      expect(ch1.count).toBe(12);
      expect(ch1.timeNs[3]).toBe(3 * 33_333_333 + 1000);
      expect(rec.frameAtOrBefore(ch1, 3 * 33_333_333 + 999)).toBe(2);
      expect(rec.frameAtOrBefore(ch1, 3 * 33_333_333 + 1000)).toBe(3);
      expect(rec.frameAtOrBefore(ch1, -1)).toBe(-1);
      for (const i of [11, 0, 5]) {
        const f = await rec.readFrame(ch1, i);
        expect(readFrameHeader(f).seq).toBe(i + 1);
        expect(Buffer.from(f.subarray(FRAME_HEADER_BYTES)).equals(Buffer.from(published.get(1)![i]))).toBe(true);
      }
      expect(rec.storedStats?.map((s) => s.recorded)).toEqual([12, 12, 12]);
    } finally {
      await rec.close();
    }
  });

  it('counts frames the ring moved past while the queue was full as dropped, and stores them', async () => {
    const path = join(t.dir, 'c.mcap');
    const ring = new FakeRing({ channel: 3, lines: 4, samples: 8, dtype: DType.U16 });
    const r = await Recorder.start({ path, sources: [ring], manualPoll: true, queueBytes: 1, chunkBytes: 1 << 20, maxChunkMs: 1e9, acceptFramesFromNs: 0 });
    // Queue of 3 slots, chunk never closes by itself: the 4th poll finds no free slot.
    for (let i = 0; i < 6; i++) { ring.publish(1e9 + i * 1e6); r.poll(); }
    ring.publish(2e9); // the ring moved on while the recorder could not take frames
    const st = r.status();
    expect(st.channels[0]).toMatchObject({ recorded: 3, queued: 3 });
    const fin = await r.stop();
    expect(fin.state).toBe('stopped');
    const rec = await Recording.open(path);
    expect(rec.channel(3)!.count).toBe(3);
    expect(rec.storedStats).toEqual([{ channel: 3, recorded: 3, dropped: 0 }]);
    await rec.close();
    // Now with reads after the stall: the gap becomes the dropped count.
    const path2 = join(t.dir, 'd.mcap');
    const ring2 = new FakeRing({ channel: 3, lines: 4, samples: 8, dtype: DType.U16 });
    const r2 = await Recorder.start({ path: path2, sources: [ring2], manualPoll: true, queueBytes: 1, chunkBytes: 200, maxChunkMs: 1e9, acceptFramesFromNs: 0 });
    for (let i = 0; i < 3; i++) { ring2.publish(1e9 + i * 1e6); r2.poll(); } // fills 3 slots, chunk seals (>200 B)
    ring2.publish(1.1e9); ring2.publish(1.2e9); // published while the write is in flight
    r2.poll(); // no slot yet → skipped
    await new Promise((res) => setTimeout(res, 50)); // write completes, slots return
    ring2.publish(1.3e9);
    r2.poll();
    const s2 = await r2.stop();
    expect(s2.channels[0]).toMatchObject({ recorded: 4, dropped: 2 });
    const rec2 = await Recording.open(path2);
    expect(rec2.storedStats).toEqual([{ channel: 3, recorded: 4, dropped: 2 }]);
    await rec2.close();
  });

  it('reads rings in order (readNext): catches up after a stall, counts only frames really lost', async () => {
    const path = join(t.dir, 'n.mcap');
    const ring = new FakeRing({ channel: 2, lines: 2, samples: 4, dtype: DType.U16 }, 1, 4);
    const r = await Recorder.start({ path, sources: [ring], manualPoll: true, acceptFramesFromNs: 0 });
    ring.publish(1e9); r.poll();
    for (let i = 1; i <= 3; i++) ring.publish(1e9 + i * 1e6); // a stall of 3 frames: all still in the ring
    r.poll();
    expect(r.status().channels[0]).toMatchObject({ recorded: 4, dropped: 0 });
    for (let i = 4; i <= 9; i++) ring.publish(1e9 + i * 1e6); // 6 frames into 4 slots: 2 lost
    r.poll();
    expect(r.status().channels[0]).toMatchObject({ recorded: 8, dropped: 2 });
    await r.stop();
    const rec = await Recording.open(path);
    const seqs: number[] = [];
    for (let i = 0; i < rec.channel(2)!.count; i++) seqs.push(readFrameHeader(await rec.readFrame(rec.channel(2)!, i)).seq);
    expect(seqs).toEqual([1, 2, 3, 4, 7, 8, 9, 10]); // 5 and 6 were overwritten
    await rec.close();
  });

  it('skips frames acquired before the start (old frames still in the ring)', async () => {
    const ring = new FakeRing({ channel: 2, lines: 2, samples: 4, dtype: DType.U16 }, 1, 4);
    ring.publish(5e9); ring.publish(6e9);
    const r = await Recorder.start({ path: join(t.dir, 'o.mcap'), sources: [ring], manualPoll: true, acceptFramesFromNs: 5.5e9 });
    ring.publish(7e9);
    r.poll();
    expect(r.status().channels[0]).toMatchObject({ recorded: 2, dropped: 0 });
    await r.stop();
  });

  it('reports elapsed time and bytes for the indicator', async () => {
    const path = join(t.dir, 'e.mcap');
    const { recorder } = await makeRecording(path, { frames: 5, stop: false });
    const s = recorder.status();
    expect(s.state).toBe('recording');
    expect(s.elapsedMs).toBeGreaterThan(0);
    expect(s.framesRecorded).toBe(15);
    const [fin, again] = await Promise.all([recorder.stop(), recorder.stop()]); // a double click
    expect(again).toBe(fin);
    expect(fin.bytes).toBe(statSync(path).size);
    expect(fin.state).toBe('stopped');
  });
});

describe('disk errors', () => {
  it.skipIf(!existsSync('/dev/full'))('a full disk fails the start with the system error, not a crash', async () => {
    const ring = new FakeRing({ channel: 0, lines: 2, samples: 4, dtype: DType.U16 });
    await expect(Recorder.start({ path: '/dev/full', sources: [ring], manualPoll: true })).rejects.toThrow(/ENOSPC/);
  });
});

describe('crash tolerance', () => {
  it('a file cut off without its summary opens up to the last complete chunk', async () => {
    const path = join(t.dir, 'crash.mcap');
    const { recorder } = await makeRecording(path, { frames: 20, stop: false, opts: { chunkBytes: 1500 } });
    // Simulate kill -9: whatever reached the file stays, no summary is written.
    await recorder.flush();
    const full = readFileSync(path);
    const whole = await Recording.open(path);
    expect(whole.indexed).toBe(false);
    expect(whole.channel(0)!.count).toBe(20);
    await whole.close();
    // Write a copy with its tail torn in the middle of the last chunk.
    const torn = full.subarray(0, full.byteLength - 700);
    const tornPath = join(t.dir, 'torn.mcap');
    writeFileSync(tornPath, torn);
    const rec = await Recording.open(tornPath);
    expect(rec.indexed).toBe(false);
    expect(rec.warning).toMatch(/no summary/);
    const n = rec.channel(0)!.count;
    expect(n).toBeGreaterThan(5);
    expect(n).toBeLessThan(20);
    for (let i = 0; i < n; i++) expect(readFrameHeader(await rec.readFrame(rec.channel(0)!, i)).seq).toBe(i + 1);
    await rec.close();
    await recorder.stop();
  });

  it('truncation at every 97th byte never crashes the reader', async () => {
    const path = join(t.dir, 'f.mcap');
    await makeRecording(path, { frames: 6, opts: { chunkBytes: 800 } });
    const full = readFileSync(path);
    const p2 = join(t.dir, 'g.mcap');
    for (let cut = 0; cut < full.byteLength; cut += 97) {
      writeFileSync(p2, full.subarray(0, cut));
      try {
        const r = await Recording.open(p2);
        for (const ch of r.channels) for (let i = 0; i < ch.count; i++) await r.readFrame(ch, i);
        await r.close();
      } catch (e) {
        expect((e as Error).name).toBe('RecordingFormatError');
      }
    }
    truncateSync(p2, 0);
    await expect(Recording.open(p2)).rejects.toThrow(/empty/);
  });
});
