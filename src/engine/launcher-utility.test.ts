/**
 * The Electron path without Electron: supervisor + UtilityChannelLauncher + the real channel worker
 * in `port` display mode, with `utilityProcess` emulated by Node children whose `process.parentPort`
 * and transferred display port are backed by IPC (testing/fake-utility-process.ts).
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DH, DISPLAY_HEADER_OFFSET, displayFrameBytes } from '../shared/display-frame';
import { readFrameHeader } from '../shared/frame-header';
import { loadNative } from '../native/load';
import { testCascade } from '../workers/testing/test-processor';
import { UtilityChannelLauncher } from './launcher-utility';
import { listShm, unlinkShm } from './shm-cleanup';
import { Supervisor } from './supervisor';
import { fakeUtilityProcessModule } from './testing/fake-utility-process';
import { JsProducer } from './testing/js-producer';
import { isAlive, sleep, waitFor } from './testing/harness';

const workerTs = fileURLToPath(new URL('../workers/channel-worker.ts', import.meta.url));

// Cleanup in a hook so that even a timed-out test leaves no process or segment behind.
let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

/** A supervisor in port mode over emulated utility processes, fed by a 30 fps JS producer on channel 0. */
function portSetup(prefix: string, displayPort: (ch: number) => unknown, ackDelayMs = 0) {
  const native = loadNative();
  const producer = new JsProducer(native, prefix, [0], 64, 128);
  const frames: Uint8Array[] = [];
  const sup = new Supervisor({
    launcher: new UtilityChannelLauncher(fakeUtilityProcessModule((b) => frames.push(b), ackDelayMs), workerTs),
    prefix, display: 'port', processor: 'test', nowNs: () => native.monotonicNs(), log: () => {}, spares: 0, displayPort,
  });
  producer.start(30);
  cleanup = async () => {
    await sup.close();
    producer.close();
    unlinkShm(`${prefix}-`);
  };
  return { sup, frames };
}

describe('UtilityChannelLauncher + worker in port mode (emulated utilityProcess)', () => {
  it('delivers display frames on the port main handed over, restarts with a fresh port after a crash', async () => {
    const prefix = `spu${process.pid}`;
    const ports: number[] = [];
    const { sup, frames } = portSetup(prefix, (ch) => {
      ports.push(ch);
      return { token: `port-${ports.length}` };
    });
    try {
      await sup.startChannel(0, testCascade({ lines: 64, samples: 128, factor: 2 }));
      await waitFor(() => frames.length > 10, 5000, 'display frames on the port');
      const f = frames.at(-1)!;
      const dh = new DataView(f.buffer, f.byteOffset + DISPLAY_HEADER_OFFSET, 32);
      expect(readFrameHeader(f).channel).toBe(0);
      expect(f.byteLength).toBe(displayFrameBytes(dh.getUint32(DH.width, true), dh.getUint32(DH.height, true), dh.getUint16(DH.dtype, true)));
      expect(listShm(`${prefix}-out`)).toEqual([]); // port mode: no output ring
      expect(ports).toEqual([0]);
      // Crash: a new process gets a new port.
      const pid = sup.pid(0)!;
      process.kill(pid, 'SIGKILL');
      await waitFor(() => sup.health()[0].restarts === 1 && sup.health()[0].state === 'running', 8000, 'restart');
      const n = frames.length;
      await waitFor(() => frames.length > n + 5, 5000, 'frames after restart');
      expect(ports).toEqual([0, 0]);
      await sleep(50);
    } finally {
      const pid = sup.pid(0);
      await cleanup?.();
      cleanup = null;
      if (pid) expect(isAlive(pid)).toBe(false);
    }
    expect(listShm(prefix)).toEqual([]);
  });

  it('paced by the renderer: a renderer that answers every 150 ms gets ~7 fps and the cascade runs only for those', async () => {
    const { sup, frames } = portSetup(`spv${process.pid}`, () => ({ token: 'port' }), 150);
    try {
      await sup.startChannel(0, testCascade({ lines: 64, samples: 128, factor: 2 }));
      await waitFor(() => frames.length >= 3, 5000, 'display frames on the port');
      const n0 = frames.length;
      const skipped0 = sup.health()[0].skipped;
      await sleep(3000);
      const h = sup.health()[0];
      expect(h.restarts, 'the worker ran throughout').toBe(0);
      const got = frames.length - n0;
      // ~20 answers in 3 s: every frame posted was answered before the next one was made.
      expect(got).toBeGreaterThanOrEqual(10);
      expect(got).toBeLessThanOrEqual(24);
      // The source ran at 30 fps; the frames in between were passed, not run through the cascade.
      expect(h.fpsIn).toBeGreaterThan(20);
      expect(h.fpsOut).toBeLessThan(10);
      expect(h.skipped - skipped0).toBeGreaterThan(40);
      // Each posted frame is the source's newest at the time of the pull: sequence numbers jump.
      const seqs = frames.slice(n0).map((f) => readFrameHeader(f).seq);
      expect(Math.min(...seqs.slice(1).map((s, i) => s - seqs[i]))).toBeGreaterThanOrEqual(2);
    } finally {
      const pid = sup.pid(0);
      await cleanup?.();
      cleanup = null;
      if (pid) expect(isAlive(pid)).toBe(false);
    }
  }, 20_000);
});
