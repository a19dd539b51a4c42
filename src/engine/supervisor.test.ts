/**
 * Integration tests of the supervisor with real worker processes (Node child processes running
 * src/workers/channel-worker.ts through tsx), real shared-memory rings fed by a JS producer, and
 * the display relay. Small frames and the tiny test processor keep them quick; the overload test
 * emulates a heavy cascade with `busyMs`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DH, DISPLAY_HEADER_OFFSET, DISPLAY_PIXELS_OFFSET, displayFrameBytes } from '../shared/display-frame';
import { readFrameHeader } from '../shared/frame-header';
import { testCascade } from '../workers/testing/test-processor';
import { isAlive, listShm, sleep, startHarness, waitFor, type Harness } from './testing/harness';

let h: Harness | null = null;

async function closeAndCheck(x: Harness): Promise<void> {
  const { pids, prefix } = x;
  await x.close();
  // No orphans, nothing left in /dev/shm.
  for (const pid of pids) expect(isAlive(pid), `pid ${pid} still alive`).toBe(false);
  expect(listShm(prefix)).toEqual([]);
}

const cascade = testCascade({ lines: 64, samples: 128, factor: 2 });
const harness = (): Harness => {
  if (!h) throw new Error('harness not started');
  return h;
};

// One 4-channel harness for the fault tests (process start-up dominates their time): each test
// hurts a different channel and checks that the others are untouched.
describe('supervisor (real processes, one 4-channel run)', () => {
  beforeAll(async () => {
    h = await startHarness({ channels: 4, fps: 30, cascade, supervisor: { hangTimeoutMs: 3000 } });
  });
  afterAll(async () => {
    if (h) await closeAndCheck(h);
    h = null;
  });

  it('runs 4 channels in order with no unexplained gaps, display frames labelled with the right channel', async () => {
    const h = harness();
    const lastSeq = [0, 0, 0, 0];
    let disorder = 0;
    let wrongChannel = 0;
    let frames = 0;
    let sizeBad = 0;
    const unsubscribe = h.relay.subscribe((f) => {
      const hdr = readFrameHeader(f.bytes);
      if (hdr.channel !== f.channel) wrongChannel++;
      if (hdr.seq <= lastSeq[f.channel]) disorder++;
      lastSeq[f.channel] = hdr.seq;
      frames++;
      if (f.bytes.byteLength !== DISPLAY_PIXELS_OFFSET + 32 * 64) sizeBad++;
    });
    const published0 = [...h.producer.published];
    await sleep(3000);
    const health = h.supervisor.health();
    for (const c of health) {
      expect(c.state).toBe('running');
      expect(c.gaps).toBe(0);
      expect(c.restarts, `ch${c.channel}: ${c.lastError}`).toBe(0);
      expect(c.fpsIn).toBeGreaterThan(20);
      expect(c.fpsOut).toBeGreaterThan(20);
      expect(c.lastFrameAgeMs).toBeLessThan(500);
      const ws = h.supervisor.workerStats(c.channel)!;
      expect(ws.outOfOrder).toBe(0);
      // Every sequence number from the first picked to the newest is accounted for exactly once:
      // processed, skipped (latest-wins) or a gap the source flagged.
      expect(ws.framesIn + ws.skipped + ws.gaps).toBe(ws.lastPickedSeq - ws.firstSeq + 1);
      expect(ws.firstSeq).toBeLessThanOrEqual(published0[c.channel] + 2);
    }
    unsubscribe();
    expect(sizeBad).toBe(0);
    expect(disorder).toBe(0);
    expect(wrongChannel).toBe(0);
    expect(frames).toBeGreaterThan(4 * 30 * 2);
  });

  it('kill -9 of one worker: that channel reports down at once and runs again within 1 s; the others keep their rate', async () => {
    const h = harness();
    const victim = h.supervisor.pid(1)!;
    const outBefore = [0, 2].map((c) => h.supervisor.workerStats(c)!.framesOut);
    const tKill = Date.now();
    process.kill(victim, 'SIGKILL');
    // 'down' is published from the exit event itself.
    await waitFor(() => h.healthEvents.some((e) => e.t >= tKill && e.health[1].state === 'down'), 500, 'ch1 down');
    const downAfter = h.healthEvents.find((e) => e.t >= tKill && e.health[1].state === 'down')!.t - tKill;
    expect(downAfter).toBeLessThan(200);
    const back = await waitFor(() => {
      const c = h.supervisor.health()[1];
      return c.state === 'running' && c.pid !== victim && (h.supervisor.workerStats(1)?.framesOut ?? 0) > 0;
    }, 3000, 'ch1 back with frames');
    expect(back).toBeLessThan(1000);
    await sleep(1500 - (Date.now() - tKill));
    const elapsed = (Date.now() - tKill) / 1000;
    [0, 2].forEach((c, i) => {
      const rate = (h.supervisor.workerStats(c)!.framesOut - outBefore[i]) / elapsed;
      expect(rate, `ch${c} rate while ch1 restarted`).toBeGreaterThan(24);
    });
    const c1 = h.supervisor.health()[1];
    expect(c1.restarts).toBe(1);
    expect(c1.lastError).toMatch(/SIGKILL/);
    expect(h.logs.some((l) => l.startsWith(`[ch1 pid ${victim}]`))).toBe(true);
    h.pids.add(h.supervisor.pid(1)!);
  });

  it('restarts a hung worker after the heartbeat timeout', async () => {
    const h = harness();
    const victim = h.supervisor.pid(2)!;
    h.supervisor.debug(2, 'debug-hang');
    await waitFor(() => h.supervisor.health()[2].restarts === 1, 8000, 'hung ch2 restarted');
    expect(h.supervisor.health()[2].lastError).toMatch(/hung: no heartbeat/);
    await waitFor(() => h.supervisor.health()[2].state === 'running', 3000, 'ch2 running');
    await waitFor(() => !isAlive(victim), 2000, 'hung process gone');
    expect(h.supervisor.health()[0].restarts).toBe(0);
    expect(h.supervisor.health()[3].restarts).toBe(0);
    h.pids.add(h.supervisor.pid(2)!);
  });

  it('rejects a bad cascade with the validation message, keeps the old one running, applies a good one live', async () => {
    const h = harness();
    const pid0 = h.supervisor.pid(3);
    const widths: number[] = [];
    let sizeMismatch = 0;
    h.relay.subscribe((f) => {
      if (f.channel !== 3) return;
      const dh = new DataView(f.bytes.buffer, f.bytes.byteOffset + DISPLAY_HEADER_OFFSET, 32);
      widths.push(dh.getUint32(DH.width, true));
      // The lease is exactly one display frame, also after the geometry changed.
      if (f.bytes.byteLength !== displayFrameBytes(dh.getUint32(DH.width, true), dh.getUint32(DH.height, true), dh.getUint16(DH.dtype, true))) sizeMismatch++;
    });
    await expect(h.supervisor.setCascade(3, testCascade({ lines: 64, samples: 128, factor: 3 }))).rejects.toThrow(/stages\[0\]\.params\.factor: 3 does not divide 64x128/);
    const out0 = h.supervisor.workerStats(3)!.framesOut;
    await sleep(400);
    expect(h.supervisor.workerStats(3)!.framesOut).toBeGreaterThan(out0 + 5);
    expect(h.supervisor.health()[3].state).toBe('running');
    expect(widths.at(-1)).toBe(64);
    await h.supervisor.setCascade(3, testCascade({ name: 'quarter', lines: 64, samples: 128, factor: 4 }));
    const n = widths.length;
    await waitFor(() => widths.length > n + 3, 2000, 'frames after reconfigure');
    expect(widths.at(-1)).toBe(32);
    expect(sizeMismatch).toBe(0);
    expect(h.supervisor.health()[3].cascade).toBe('quarter');
    expect(h.supervisor.pid(3)).toBe(pid0);
    expect(h.supervisor.health()[3].restarts).toBe(0);
  });

});

describe('supervisor under overload (real processes)', () => {
  afterEach(async () => {
    if (h) await closeAndCheck(h);
    h = null;
  });

  it('overload: more work than cores keeps latency bounded and counts skips instead of queueing', async () => {
    // 4 channels × 30 fps × 50 ms of CPU = 6 cores' worth of work on this 2-core machine.
    h = await startHarness({ channels: 4, fps: 30, cascade: testCascade({ lines: 64, samples: 128, factor: 2, busyMs: 50 }) });
    const hh = h;
    await sleep(1000);
    const early = [0, 1, 2, 3].map((c) => hh.supervisor.workerStats(c)!.latencyMsP99);
    await sleep(2000);
    const health = h.supervisor.health();
    for (const c of health) {
      const ws = h.supervisor.workerStats(c.channel)!;
      expect(c.skipped, `ch${c.channel} skipped`).toBeGreaterThan(10);
      // Most frames are skipped (latest-wins), none is queued: processed + skipped = all seen.
      expect(ws.framesIn).toBeLessThan(0.8 * (ws.framesIn + ws.skipped));
      expect(c.gaps).toBe(0);
      // Latency = one cascade (~50 ms CPU, ~100-200 ms wall when sharing cores) + < 1 frame wait;
      // a queue would grow by ~1 s per second instead.
      expect(ws.latencyMsP99, `ch${c.channel} p99`).toBeLessThan(500);
      expect(ws.latencyMsP99).toBeLessThan(early[c.channel] + 250);
    }
  });
});
