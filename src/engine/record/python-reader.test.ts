import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { topicFor } from './format';
import { makeRecording, tempDir } from './test-util';

const PY = '/usr/bin/python3';
const script = fileURLToPath(new URL('./python-reader.fixture.py', import.meta.url));
const hasNumpy = existsSync(PY) && (() => { try { execFileSync(PY, ['-c', 'import numpy']); return true; } catch { return false; } })();

describe.skipIf(!hasNumpy)('a reader written from the docs in Python/NumPy', () => {
  it('parses a recording: chunk CRCs, the 64-byte header dtype, frames and metadata', async () => {
    const t = tempDir();
    try {
      const f = join(t.dir, 'py.mcap');
      const { published } = await makeRecording(f, { frames: 7, opts: { chunkBytes: 1200 } });
      const r = JSON.parse(execFileSync(PY, [script, f], { encoding: 'utf8' })) as { channels: Record<string, { frames: number; seqs: number[]; sum: number; shape: number[] }>; metadata: string[] };
      expect(r.metadata).toEqual(['specula.session', 'specula.stats']); // no per-channel extras in this one
      for (const ch of [0, 1, 255]) {
        const c = r.channels[topicFor(ch)];
        expect(c.frames).toBe(7);
        expect(c.seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(c.shape).toEqual([ch === 255 ? 1 : 8, 16]);
        let sum = 0;
        for (const p of published.get(ch)!) for (const v of new Uint16Array(p.buffer, p.byteOffset, p.byteLength / 2)) sum += v;
        expect(c.sum).toBe(sum % 2 ** 53);
      }
    } finally {
      t.cleanup();
    }
  });
});
