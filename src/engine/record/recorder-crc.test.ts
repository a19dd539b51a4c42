/**
 * Chunk CRCs assembled from per-frame CRCs (ReadInfo.crc32 from the native ring copy, combined
 * with crc32_combine): files recorded from native rings validate in @mcap/core's indexed and
 * streaming readers with CRC checks on; a source mixing frames with and without a CRC too; and a
 * wrong per-frame CRC ends up in the file (the readers reject it), so the combined value is really
 * what gets written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McapIndexedReader, McapStreamReader, type IReadable } from '@mcap/core';
import { DType, FRAME_HEADER_BYTES, readFrameHeader } from '../../shared/frame-header';
import { ringName } from '../../shared/device';
import { ReadInfo, ReadStatus } from '../../native/api';
import { loadNative } from '../../native/load';
import { cleanShm, testPrefix } from '../../native/test-helpers';
import { Recorder } from './recorder';
import { FakeRing, fillPattern, type FrameSource } from './synthetic-frames';
import { tempDir } from './test-util';

const bufReadable = (b: Uint8Array): IReadable => ({ size: async () => BigInt(b.byteLength), read: async (o, n) => b.subarray(Number(o), Number(o + n)) });

async function validate(bytes: Uint8Array): Promise<number> {
  const reader = await McapIndexedReader.Initialize({ readable: bufReadable(bytes) });
  let n = 0;
  for await (const m of reader.readMessages({ validateCrcs: true })) { expect(m.data.byteLength).toBeGreaterThan(FRAME_HEADER_BYTES); n++; }
  const sr = new McapStreamReader({ validateCrcs: true });
  sr.append(bytes);
  let s = 0;
  for (let r; (r = sr.nextRecord()); ) if (r.type === 'Message') s++;
  expect(s).toBe(n);
  return n;
}

/** A FakeRing that reports a frame CRC like the native ring does (optionally wrong, or only on some frames). */
class CrcRing implements FrameSource {
  constructor(private readonly r: FakeRing, private readonly mode: 'all' | 'odd' | 'wrong') {}
  get channel() { return this.r.channel; }
  get lines() { return this.r.lines; }
  get samples() { return this.r.samples; }
  get dtype() { return this.r.dtype; }
  readLatest(h: Uint8Array, p: ArrayBufferView, info: Float64Array): ReadStatus { return this.#tag(this.r.readLatest(h, p, info), h, p, info); }
  readNext(h: Uint8Array, p: ArrayBufferView, info: Float64Array): ReadStatus { return this.#tag(this.r.readNext(h, p, info), h, p, info); }
  #tag(st: ReadStatus, h: Uint8Array, p: ArrayBufferView, info: Float64Array): ReadStatus {
    if (st !== ReadStatus.Frame) return st;
    const seq = info[ReadInfo.seq];
    if (this.mode === 'odd' && seq % 2 === 0) return st;
    const crc = zlib.crc32(p as Uint8Array, zlib.crc32(h));
    info[ReadInfo.crc32] = this.mode === 'wrong' && seq === 3 ? (crc ^ 1) >>> 0 : crc;
    return st;
  }
}

const n = loadNative();
const prefix = testPrefix('reccrc');
afterAll(() => cleanShm(prefix));
let t: ReturnType<typeof tempDir>;
beforeEach(() => { t = tempDir(); });
afterEach(() => t.cleanup());

describe('chunk CRCs from per-frame CRCs', () => {
  it('native rings: CRCs computed in the ring copy validate in McapIndexedReader and McapStreamReader', async () => {
    const path = join(t.dir, 'native.mcap');
    const geoms = [{ channel: 0, lines: 7, samples: 333 }, { channel: 1, lines: 16, samples: 1024 }, { channel: 255, lines: 1, samples: 61 }];
    const prods = geoms.map((g) => n.createRing({ name: ringName(prefix, g.channel), ...g, dtype: DType.U16, slots: 4 }));
    const cons = geoms.map((g) => n.openRing(ringName(prefix, g.channel)));
    try {
      const rec = await Recorder.start({ path, sources: cons, manualPoll: true, chunkBytes: 40_000, acceptFramesFromNs: 0 });
      const sent: Uint8Array[][] = geoms.map(() => []);
      for (let i = 0; i < 20; i++) {
        prods.forEach((p, k) => {
          const pay = new Uint8Array(p.payloadBytes);
          fillPattern(pay, i * 7 + k + 1);
          p.publish(pay, n.monotonicNs(), 0);
          sent[k].push(pay);
        });
        rec.poll();
        await new Promise((res) => setImmediate(res));
      }
      const fin = await rec.stop();
      expect(fin.state).toBe('stopped');
      expect(fin.framesRecorded).toBe(60);
      const bytes = readFileSync(path);
      expect(await validate(bytes)).toBe(60);
      const reader = await McapIndexedReader.Initialize({ readable: bufReadable(bytes) });
      expect(reader.chunkIndexes.length).toBeGreaterThan(3);
      const seen = [0, 0, 0];
      for await (const m of reader.readMessages({ validateCrcs: true })) {
        const h = readFrameHeader(m.data);
        const k = geoms.findIndex((g) => g.channel === h.channel);
        expect(Buffer.from(m.data.subarray(FRAME_HEADER_BYTES)).equals(Buffer.from(sent[k][seen[k]++]))).toBe(true);
      }
      expect(seen).toEqual([20, 20, 20]);
    } finally {
      cons.forEach((c) => c.close());
      prods.forEach((p) => p.close());
    }
  });

  for (const mode of ['odd', 'wrong'] as const) {
    it(mode === 'odd' ? 'frames with and without a CRC mix in one chunk' : 'a wrong per-frame CRC is what the file carries (readers reject it)', async () => {
      const path = join(t.dir, `${mode}.mcap`);
      const rings = [0, 1].map((c) => new FakeRing({ channel: c, lines: 4, samples: 50, dtype: DType.U16 }, 5));
      const rec = await Recorder.start({ path, sources: rings.map((r) => new CrcRing(r, mode)), manualPoll: true, chunkBytes: 3000, acceptFramesFromNs: 0 });
      for (let i = 0; i < 12; i++) {
        rings.forEach((r, k) => r.publish(1e9 + i * 1e6 + k));
        rec.poll();
      }
      await rec.stop();
      const bytes = readFileSync(path);
      if (mode === 'odd') expect(await validate(bytes)).toBe(24);
      else await expect(validate(bytes)).rejects.toThrow(/crc/i);
    });
  }
});
