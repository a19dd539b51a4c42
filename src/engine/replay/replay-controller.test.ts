import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameFlag } from '../../shared/frame-header';
import { makeRecording, tempDir, type MadeRecording } from '../record/test-util';
import { ReplayController, type ReplayState } from './replay-controller';
import { MemorySink } from './replay-sink';

const MS = 1_000_000;
let t: ReturnType<typeof tempDir>;
let path: string;
let made: MadeRecording;

beforeEach(async () => {
  t = tempDir();
  path = join(t.dir, 'r.mcap');
  // 3 channels (0, 1, ref 255), 20 frames 10 ms apart; channel k is offset by k µs.
  made = await makeRecording(path, { frames: 20, periodNs: 10 * MS, opts: { chunkBytes: 2000 } });
});
afterEach(() => {
  vi.useRealTimers();
  t.cleanup();
});

function word(ch: number, i: number): number {
  const b = made.published.get(ch)![i];
  return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
}
function lastOf(sink: MemorySink, ch: number): number {
  const f = sink.frames.filter((x) => x.channel === ch).at(-1)!;
  return f.firstWord;
}

describe('replay controller', () => {
  it('opens paused on the first frame of every channel, marks frames as replayed', async () => {
    const sink = new MemorySink();
    const states: ReplayState[] = [];
    const c = await ReplayController.open(path, sink, { onState: (s) => states.push(s) });
    expect(c.state()).toMatchObject({ state: 'paused', frameIndex: 0, frameCount: 20, primaryChannel: 0, durationNs: 19 * 10 * MS + 2000 });
    expect(sink.frames.map((f) => f.channel)).toEqual([0, 1, 255]);
    expect(sink.frames[0].firstWord).toBe(word(0, 0));
    expect(sink.frames.every((f) => (f.flags & FrameFlag.Replay) !== 0)).toBe(true);
    expect(sink.frames[2].flags & FrameFlag.Simulated).toBeTruthy();
    expect(states.length).toBeGreaterThan(0);
    await c.close();
    expect(sink.closed).toBe(true);
  });

  it('steps ±1 frame and seeks by time via the index', async () => {
    const sink = new MemorySink();
    const c = await ReplayController.open(path, sink);
    await c.step(1);
    await c.step(1);
    expect(c.state().frameIndex).toBe(2);
    expect(lastOf(sink, 0)).toBe(word(0, 2));
    expect(lastOf(sink, 1)).toBe(word(1, 1)); // channel 1's frame 2 is 1 µs later than channel 0's
    await c.step(-1);
    expect(c.state().frameIndex).toBe(1);
    expect(lastOf(sink, 0)).toBe(word(0, 1));
    await c.seek(13 * 10 * MS + 5000);
    expect(c.state().frameIndex).toBe(13);
    expect(lastOf(sink, 255)).toBe(word(255, 13));
    const before = sink.frames.length;
    await c.refresh(); // same frames again, e.g. after a cascade change
    expect(sink.frames.slice(before).map((f) => f.firstWord)).toEqual([word(0, 13), word(1, 13), word(255, 13)]);
    await c.step(-100); // clamps at the first frame
    expect(c.state().frameIndex).toBe(0);
    await c.toEnd();
    expect(c.state().frameIndex).toBe(19);
    await expect(c.step(0)).rejects.toThrow(/non-zero/);
    expect(() => c.setSpeed(9)).toThrow(/speed/);
    expect(() => c.setSpeed(0.05)).toThrow(/speed/);
    await c.close();
  });

  it('plays at recorded timing × speed on its clock, and loops a range', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let now = 5e12;
    const sink = new MemorySink();
    const c = await ReplayController.open(path, sink, { nowNs: () => now, speed: 2 });
    c.play();
    now += 45 * MS; // 45 ms of wall time at 2× = 90 ms of recording
    await vi.advanceTimersByTimeAsync(150);
    await c.idle();
    expect(c.state().frameIndex).toBe(9);
    expect(lastOf(sink, 0)).toBe(word(0, 9));
    expect(sink.frames.at(-1)!.tAcquiredNs).toBe(now); // stamped as acquired now
    c.pause();
    const n = sink.frames.length;
    now += 1000 * MS;
    await vi.advanceTimersByTimeAsync(200);
    expect(sink.frames.length).toBe(n); // paused: nothing published
    c.setSpeed(1);
    c.setLoop({ startNs: 50 * MS, endNs: 100 * MS });
    c.play();
    now += 20 * MS; // → 110 ms > loop end: wraps to 50 ms
    await vi.advanceTimersByTimeAsync(150);
    await c.idle();
    const s = c.state();
    expect(s.positionNs).toBeGreaterThanOrEqual(50 * MS);
    expect(s.positionNs).toBeLessThan(100 * MS);
    expect(s.state).toBe('playing');
    await c.close();
  });

  it('as fast as possible publishes every frame in recorded order, then ends', async () => {
    const sink = new MemorySink();
    let ended!: () => void;
    const done = new Promise<void>((r) => { ended = r; });
    const c = await ReplayController.open(path, sink, { speed: 'max', onState: (s) => { if (s.state === 'ended') ended(); } });
    sink.frames.length = 0;
    c.play();
    await done;
    // 60 frames minus the 3 shown at open.
    expect(sink.frames.length).toBe(57);
    expect(sink.frames.filter((f) => f.channel === 0).map((f) => f.firstWord)).toEqual(made.published.get(0)!.slice(1).map((_, i) => word(0, i + 1)));
    expect(c.state().state).toBe('ended');
    await c.close();
  });

  it('rejects a missing file with a clear error', async () => {
    await expect(ReplayController.open(join(t.dir, 'nope.mcap'), new MemorySink())).rejects.toThrow(/no such file/);
  });
});
