import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McapWriter, type IWritable } from '@mcap/core';
import { Recording } from './recording';
import { makeRecording, tempDir } from './test-util';

let t: ReturnType<typeof tempDir>;
let good: Uint8Array;
let goodLz4: Uint8Array;
beforeAll(async () => {
  t = tempDir();
  await makeRecording(join(t.dir, 'good.mcap'), { frames: 8, opts: { chunkBytes: 900 } });
  await makeRecording(join(t.dir, 'good-lz4.mcap'), { frames: 8, opts: { chunkBytes: 900, compression: 'lz4' } });
  good = readFileSync(join(t.dir, 'good.mcap'));
  goodLz4 = readFileSync(join(t.dir, 'good-lz4.mcap'));
});
afterAll(() => t.cleanup());

/** Open and read every frame; resolves to 'ok' or the error (which must be a RecordingFormatError). */
async function tryAll(bytes: Uint8Array, name = 'x.mcap'): Promise<string> {
  const p = join(t.dir, name);
  writeFileSync(p, bytes);
  let r: Recording | null = null;
  try {
    r = await Recording.open(p);
    for (const ch of r.channels) for (let i = 0; i < ch.count; i++) await r.readFrame(ch, i);
    return 'ok';
  } catch (e) {
    expect((e as Error).name, String((e as Error).stack)).toBe('RecordingFormatError');
    return (e as Error).message;
  } finally {
    await r?.close();
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe('bad input gives a clear error, never a crash', () => {
  it('empty file', async () => {
    expect(await tryAll(new Uint8Array(0))).toMatch(/empty/);
  });
  it('not an MCAP file', async () => {
    expect(await tryAll(new TextEncoder().encode('hello, this is a text file and not a recording'))).toMatch(/not an MCAP file/);
    expect(await tryAll(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0]))).toMatch(/not an MCAP file/);
  });
  it('missing file and directory', async () => {
    await expect(Recording.open(join(t.dir, 'none.mcap'))).rejects.toThrow(/no such file/);
    mkdirSync(join(t.dir, 'adir.mcap'));
    await expect(Recording.open(join(t.dir, 'adir.mcap'))).rejects.toThrow(/directory|not a regular file/);
  });
  it('magic only / header only', async () => {
    expect(await tryAll(good.subarray(0, 8))).toMatch(/truncated/);
    expect(await tryAll(good.subarray(0, 40))).toMatch(/no Specula channels|truncated|header/i);
  });
  it('an MCAP of another schema', async () => {
    const chunks: Uint8Array[] = [];
    let pos = 0n;
    const w: IWritable = { write: async (b) => { chunks.push(b.slice()); pos += BigInt(b.byteLength); }, position: () => pos };
    const mw = new McapWriter({ writable: w });
    await mw.start({ profile: '', library: 'other' });
    const sid = await mw.registerSchema({ name: 'geometry_msgs/Pose', encoding: 'jsonschema', data: new TextEncoder().encode('{}') });
    const cid = await mw.registerChannel({ topic: '/pose', schemaId: sid, messageEncoding: 'json', metadata: new Map() });
    await mw.addMessage({ channelId: cid, sequence: 1, logTime: 1n, publishTime: 1n, data: new TextEncoder().encode('{}') });
    await mw.end();
    expect(await tryAll(Buffer.concat(chunks))).toMatch(/not a Specula recording: channel '\/pose' has schema "geometry_msgs\/Pose"/);
  });
  it('a corrupted frame is caught by the chunk CRC', async () => {
    const b = Buffer.from(good);
    const r = await Recording.open(join(t.dir, 'good.mcap'));
    const at = r.chunks[1].bodyOffset + 100; // inside a frame payload of the second chunk
    await r.close();
    b[at] ^= 0xff;
    expect(await tryAll(b)).toMatch(/corrupted \(CRC/);
  });

  for (const [name, base] of [['uncompressed', () => good], ['lz4', () => goodLz4]] as const) {
    it(`fuzz: 250 seeded mutations of an ${name} recording`, async () => {
      const rnd = mulberry32(name === 'lz4' ? 7 : 42);
      const src = base();
      const outcomes = new Map<string, number>();
      for (let k = 0; k < 250; k++) {
        const b = Buffer.from(src);
        const kind = Math.floor(rnd() * 5);
        let m: Buffer = b;
        if (kind === 0) for (let j = 0; j < 1 + Math.floor(rnd() * 8); j++) b[Math.floor(rnd() * b.length)] ^= 1 + Math.floor(rnd() * 255);
        else if (kind === 1) m = b.subarray(0, Math.floor(rnd() * b.length));
        else if (kind === 2) { const at = Math.floor(rnd() * b.length); b.fill(0, at, at + 1 + Math.floor(rnd() * 64)); }
        else if (kind === 3) { const at = Math.floor(rnd() * b.length); m = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 32) }, () => Math.floor(rnd() * 256))), b.subarray(at)]); }
        else { const at = Math.floor(rnd() * (b.length - 8)); b.writeUInt32LE(Math.floor(rnd() * 4294967296), at); b.writeUInt32LE(rnd() < 0.5 ? 0 : 0xffffffff, at + 4); }
        const r = await tryAll(m, `fz-${name}.mcap`);
        const key = r === 'ok' ? 'ok' : r.replace(/\d+/g, 'N').replace(/^.*?\.mcap: /, '').slice(0, 60);
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
      // Both outcomes occur: some mutations hit padding-free metadata and still read, most are caught.
      expect(outcomes.size).toBeGreaterThan(3);
    });
  }
});
