/**
 * Driver ABI: a test driver is compiled from native/test/test_driver.cc with g++ -shared inside
 * the test, loaded with loadDriver (dlopen) and its frames read back from the rings it feeds
 * (channel 0 through the copying emit, channel 1 through zero-copy begin/commit).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ringName } from '../shared/device';
import { DType, newFrameHeader, readFrameHeader } from '../shared/frame-header';
import { READ_INFO_LENGTH, ReadInfo, ReadStatus, type RingConsumer } from './api';
import { loadNative } from './load';
import { cleanShm, shmEntries, testPrefix } from './test-helpers';

const n = loadNative();
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const prefix = testPrefix('drv');
let dir = '';
let so = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'specula-drv-'));
  so = join(dir, 'libtestdriver.so');
  execFileSync('g++', ['-std=c++17', '-shared', '-fPIC', '-O1', `-I${join(root, 'native', 'include')}`, join(root, 'native', 'test', 'test_driver.cc'), '-o', so, '-lpthread']);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  cleanShm(prefix);
});

const waitRead = (c: RingConsumer, h: Uint8Array, p: Uint16Array, info: Float64Array) =>
  new Promise<number>((res) => c.waitRead(h, p, info, 3000, res));

describe('driver ABI (dlopen)', () => {
  it('loads a driver .so built in the test and routes both channels into rings', async () => {
    const d = n.loadDriver(so, { prefix, config: JSON.stringify({ lines: 8, samples: 32, fps: 200 }), slots: 4 });
    expect(d.name).toBe('test-driver');
    expect(d.channels()).toEqual([
      { channel: 0, lines: 8, samples: 32, dtype: DType.U16, flags: 0, ring: ringName(prefix, 0) },
      { channel: 1, lines: 8, samples: 32, dtype: DType.U16, flags: 0, ring: ringName(prefix, 1) },
    ]);
    d.control('ping');
    expect(() => d.control('explode')).toThrow(/control: unknown command 'explode'/);
    const hdr = new Uint8Array(64);
    const pay = new Uint16Array(8 * 32);
    const info = new Float64Array(READ_INFO_LENGTH);
    const consumers = [n.openRing(ringName(prefix, 0)), n.openRing(ringName(prefix, 1))];
    d.start();
    for (const [ch, c] of consumers.entries()) {
      for (let k = 0; k < 3; k++) {
        expect(await waitRead(c, hdr, pay, info)).toBe(ReadStatus.Frame);
        const h = readFrameHeader(hdr, newFrameHeader());
        expect(h).toMatchObject({ channel: ch, seq: info[ReadInfo.seq], lines: 8, samples: 32 });
        const want = (i: number) => (h.seq * 31 + ch * 1000 + i) & 0xffff;
        expect(pay.every((v, i) => v === want(i))).toBe(true);
      }
    }
    // The driver's own frame thread was made real-time at its first callback (default policy),
    // where this process may use SCHED_FIFO.
    const probe = n.realtimeProbe!();
    expect(d.realtime).toBe(probe.permitted && !probe.disabledByEnv);
    expect(d.realtimeState).toMatch(probe.permitted && !probe.disabledByEnv ? /^SCHED_FIFO 30$/ : /^normal priority/);
    d.stop();
    const stats = d.stats();
    expect(stats.map((s) => s.channel)).toEqual([0, 1]);
    for (const s of stats) {
      expect(s.published).toBeGreaterThanOrEqual(3);
      expect(s.rejected).toBe(0);
    }
    const before = stats[0].published;
    await new Promise((r) => setTimeout(r, 50));
    expect(d.stats()[0].published).toBe(before); // stopped means no more frames
    for (const c of consumers) c.close();
    d.close();
    expect(shmEntries(prefix)).toEqual([]);
    expect(() => d.start()).toThrow(/closed/);
  });

  it('reports driver and loader failures with their reasons', () => {
    expect(() => n.loadDriver(so, { prefix, config: '{"failOpen":1}' })).toThrow(/open: test device not connected/);
    expect(() => n.loadDriver(join(dir, 'missing.so'), { prefix })).toThrow(/dlopen .*missing\.so.*No such file/);
    const libm = ['/lib/x86_64-linux-gnu/libm.so.6', '/usr/lib/x86_64-linux-gnu/libm.so.6', '/lib64/libm.so.6'].find((p) => {
      try {
        execFileSync('test', ['-e', p]);
        return true;
      } catch {
        return false;
      }
    });
    if (libm) expect(() => n.loadDriver(libm, { prefix })).toThrow(/specula_driver_entry/);
    expect(() => n.loadDriver(so, { prefix: 'bad/prefix' })).toThrow(TypeError);
    expect(() => n.loadDriver(42 as any, { prefix })).toThrow(/path: expected a string/);
    expect(shmEntries(prefix)).toEqual([]);
  });
});
