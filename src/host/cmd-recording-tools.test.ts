import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readNpy } from '../shared/npy';
import { makeRecording, tempDir } from '../engine/record/test-util';
import { main as info } from './cmd-info';
import { main as exp } from './cmd-export';
import { main as recover } from './cmd-recover';

let t: ReturnType<typeof tempDir>;
let out: string[];
let err: string[];
beforeEach(() => {
  t = tempDir();
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
});
afterEach(() => { vi.restoreAllMocks(); t.cleanup(); });

describe('specula info / export / recover', () => {
  it('describes a recording (text and JSON)', async () => {
    const f = join(t.dir, 'a.mcap');
    await makeRecording(f, { frames: 6 });
    expect(await info([f])).toBe(0);
    expect(out.join('\n')).toMatch(/indexed/);
    expect(out.join('\n')).toMatch(/\s255\s+ch255 \(ref\)\s+1x16 u16\s+6\s+30\.00\s+0/);
    out.length = 0;
    expect(await info([f, '--json'])).toBe(0);
    const j = JSON.parse(out.join('\n'));
    expect(j.channels.map((c: { frames: number }) => c.frames)).toEqual([6, 6, 6]);
    expect(j.session.operatorNote).toBe('unit test');
  });

  it('fails with a clear message and status 1 on bad files, 2 on usage errors', async () => {
    const f = join(t.dir, 'junk.mcap');
    writeFileSync(f, 'junk');
    expect(await info([f])).toBe(1);
    expect(err.join('\n')).toMatch(/not an MCAP file/);
    expect(await info([])).toBe(2);
    expect(await exp([f, '--frame', '1', '--time', '2'])).toBe(2);
  });

  it('exports a frame (npy + png), a range stack, by time and channel', async () => {
    const f = join(t.dir, 'b.mcap');
    const { published } = await makeRecording(f, { frames: 10 });
    expect(await exp([f, '--channel', '1', '--frame', '4', '--out', t.dir])).toBe(0);
    const npy = readNpy(readFileSync(join(t.dir, 'b-ch1-f4.npy')));
    expect(npy.shape).toEqual([8, 16]);
    expect(Buffer.from(npy.data.buffer, npy.data.byteOffset, npy.data.byteLength).equals(Buffer.from(published.get(1)![4]))).toBe(true);
    expect(existsSync(join(t.dir, 'b-ch1-f4.png'))).toBe(true);
    expect(await exp([f, '--channel', 'ref', '--time', '0.1', '--format', 'npy', '--out', join(t.dir, 'r.npy')])).toBe(0);
    expect(readNpy(readFileSync(join(t.dir, 'r.npy'))).shape).toEqual([1, 16]);
    expect(await exp([f, '--range', '0.05:0.2', '--out', join(t.dir, 'stack.npy')])).toBe(0);
    expect(readNpy(readFileSync(join(t.dir, 'stack.npy'))).shape).toEqual([5, 8, 16]); // frames at 66.7..200 ms
    expect(await exp([f, '--channel', '7', '--frame', '0'])).toBe(1);
    expect(err.join('\n')).toMatch(/no channel 7 \(channels: 0, 1, 255 \(reference\)\)/);
  });

  it('recovers an unclosed recording into a fully indexed one', async () => {
    const f = join(t.dir, 'c.mcap');
    const { recorder } = await makeRecording(f, { frames: 12, stop: false, opts: { chunkBytes: 1500 } });
    await recorder.flush();
    const copy = join(t.dir, 'crashed.mcap');
    writeFileSync(copy, readFileSync(f));
    await recorder.stop();
    expect(await recover([copy])).toBe(0);
    expect(out.join('\n')).toMatch(/36 frames written with a full index/);
    out.length = 0;
    expect(await info([join(t.dir, 'crashed.recovered.mcap')])).toBe(0);
    expect(out[0]).toMatch(/, indexed/);
    expect(await recover([copy])).toBe(2); // refuses to overwrite without --force
  });
});
