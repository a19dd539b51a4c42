import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McapIndexedReader } from '@mcap/core';
import { readFrameHeader } from '../../shared/frame-header';
import { MCAP_DECOMPRESS_HANDLERS } from './compression';
import { Recording } from './recording';
import { recoverRecording } from './recover';
import { tempDir } from './test-util';

const child = fileURLToPath(new URL('./crash-child.fixture.ts', import.meta.url));
let t: ReturnType<typeof tempDir>;
beforeEach(() => { t = tempDir(); });
afterEach(() => t.cleanup());

/** Run the recording child until the file holds `minBytes`, then SIGKILL it. */
function recordThenKill(path: string, minBytes: number, compression: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, path, compression], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.stdout.on('data', (d: Buffer) => {
      const m = /bytes (\d+)/.exec(d.toString());
      if (m && Number(m[1]) >= minBytes) p.kill('SIGKILL');
    });
    p.on('exit', (code, sig) => (sig === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code} ${sig}: ${err}`))));
  });
}

describe('kill -9 during recording', () => {
  for (const compression of ['none', 'lz4']) {
    it(`leaves a file that replays up to its last complete chunk and recovers to a fully indexed one (${compression})`, async () => {
      const path = join(t.dir, 'killed.mcap');
      await recordThenKill(path, 400_000, compression);
      const rec = await Recording.open(path);
      expect(rec.indexed).toBe(false);
      expect(rec.storedStats).toBeNull();
      const counts = rec.channels.map((c) => c.count);
      expect(Math.min(...counts)).toBeGreaterThan(20);
      // Every frame up to the last complete chunk reads back intact and in sequence.
      for (const ch of rec.channels) for (let i = 0; i < ch.count; i++) expect(readFrameHeader(await rec.readFrame(ch, i)).seq).toBe(i + 1);
      await rec.close();

      const out = join(t.dir, 'fixed.mcap');
      const r = await recoverRecording(path, out);
      expect(r.frames).toBe(counts.reduce((a, b) => a + b, 0));
      expect(r.statsSource).toBe('sequence-gaps');
      expect(r.stats.every((s) => s.dropped === 0)).toBe(true);
      const bytes = readFileSync(out);
      const reader = await McapIndexedReader.Initialize({
        readable: { size: async () => BigInt(bytes.byteLength), read: async (o, n) => bytes.subarray(Number(o), Number(o + n)) },
        decompressHandlers: MCAP_DECOMPRESS_HANDLERS,
      });
      expect(reader.statistics?.messageCount).toBe(BigInt(r.frames));
      let n = 0;
      for await (const _m of reader.readMessages({ validateCrcs: true })) n++;
      expect(n).toBe(r.frames);
      const fixed = await Recording.open(out);
      expect(fixed.indexed).toBe(true);
      expect(fixed.channels.map((c) => c.count)).toEqual(counts);
      await fixed.close();
    });
  }
});
