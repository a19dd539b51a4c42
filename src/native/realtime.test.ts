/**
 * Real-time policy of the acquisition threads (native/src/realtime.h): the simulated device thread
 * and the ring waiter threads run as SCHED_FIFO by default where the process may (root / CAP_SYS_NICE
 * here; elsewhere they stay at normal priority and say why), `realtime: false` and
 * SPECULA_REALTIME=0 opt out, and a real-time thread that uses more than half a core demotes itself.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ringName } from '../shared/device';
import { DType } from '../shared/frame-header';
import { READ_INFO_LENGTH, ReadStatus, type RingConsumer } from './api';
import { findNativeAddon, loadNative } from './load';
import { cleanShm, testPrefix } from './test-helpers';

const n = loadNative();
const prefix = testPrefix('rt');
afterAll(() => cleanShm(prefix));
const probe = n.realtimeProbe!();
/** What the default policy yields in this process. */
const rtByDefault = probe.permitted && !probe.disabledByEnv;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function oneWaitRead(c: RingConsumer, publish: () => void): Promise<number> {
  const got = new Promise<number>((res) => c.waitRead(new Uint8Array(64), new Uint8Array(8), new Float64Array(READ_INFO_LENGTH), 3000, res));
  publish();
  return got;
}

describe('real-time acquisition threads', () => {
  it('probe reports permission and the environment opt-out', () => {
    expect(typeof probe.permitted).toBe('boolean');
    expect(probe.reason === '').toBe(probe.permitted); // a reason exactly when refused
    expect(probe.disabledByEnv).toBe(['0', 'off', 'false', 'no'].includes((process.env.SPECULA_REALTIME ?? '').toLowerCase()));
  });

  it('consumer waiter threads are real-time by default when permitted; realtime:false opts out', async () => {
    const name = ringName(prefix, 1);
    const p = n.createRing({ name, channel: 1, lines: 1, samples: 8, dtype: DType.U8, slots: 2 });
    const dflt = n.openRing(name);
    const off = n.openRing(name, { realtime: false });
    expect(dflt.realtimeState).toBe('pending (no wait yet)');
    expect(() => n.openRing(name, { realtime: 'yes' as unknown as boolean })).toThrow(/opts.realtime: expected a boolean/);
    const pub = () => p.publish(new Uint8Array(8).fill(1), n.monotonicNs());
    expect(await oneWaitRead(dflt, pub)).toBe(ReadStatus.Frame);
    expect(await oneWaitRead(off, () => p.publish(new Uint8Array(8).fill(2), n.monotonicNs()))).toBe(ReadStatus.Frame);
    expect(dflt.realtime).toBe(rtByDefault);
    expect(dflt.realtimeState).toMatch(rtByDefault ? /^SCHED_FIFO 20$/ : /^normal priority: /);
    expect(off.realtime).toBe(false);
    expect(off.realtimeState).toMatch(probe.disabledByEnv ? /realtime off \(SPECULA_REALTIME\)/ : /realtime off \(option\)/);
    dflt.close();
    off.close();
    p.close();
  });

  it('the simulated device thread is real-time by default when permitted (known when start() returns)', async () => {
    const mk = (tag: number, realtime?: boolean) =>
      n.createSimDevice({ prefix: `${prefix}-d${tag}`, channels: 1, lines: 4, samples: 16, fps: 50, reference: false, realtime });
    const d = mk(1);
    expect(d.realtimeState).toMatch(/^pending/);
    d.start();
    expect(d.realtime).toBe(rtByDefault);
    expect(d.realtimeState).toMatch(rtByDefault ? /^SCHED_FIFO 30$/ : /^normal priority: /);
    d.close();
    const off = mk(2, false);
    off.start();
    expect(off.realtime).toBe(false);
    expect(off.realtimeState).toMatch(/^normal priority: realtime off/);
    off.close();
    expect(() => mk(3, 1 as unknown as boolean)).toThrow(/opts.realtime: expected a boolean/);
  });

  it('SPECULA_REALTIME=0 keeps every thread at normal priority, whatever the options say', () => {
    const addon = findNativeAddon()!;
    const script = `
      const n = require(${JSON.stringify(addon)});
      const d = n.createSimDevice({ prefix: ${JSON.stringify(`${prefix}-env`)}, channels: 1, lines: 4, samples: 16, fps: 50, reference: false, realtime: true });
      d.start();
      const c = n.openRing(d.channels()[0].ring, { realtime: true });
      c.waitRead(new Uint8Array(64), new Uint8Array(128), new Float64Array(8), 2000, (st) => {
        console.log(JSON.stringify({ st, probe: n.realtimeProbe(), device: [d.realtime, d.realtimeState], consumer: [c.realtime, c.realtimeState] }));
        c.close(); d.close();
      });`;
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, SPECULA_REALTIME: '0' }, encoding: 'utf8', timeout: 15000 });
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout.trim());
    expect(o.st).toBe(ReadStatus.Frame);
    expect(o.probe.disabledByEnv).toBe(true);
    expect(o.device).toEqual([false, 'normal priority: realtime off (SPECULA_REALTIME)']);
    expect(o.consumer).toEqual([false, 'normal priority: realtime off (SPECULA_REALTIME)']);
  });

  it.skipIf(!rtByDefault)('a real-time streaming waiter above its CPU limit drops back to normal priority', () => {
    // A child process with SPECULA_REALTIME_CPU_LIMIT=0.02: its stream's waiter copies 1.2 MB frames
    // published at ~300/s (several % of a core), more than the limit, so its guard must demote it
    // within a window or two; the producer keeps publishing unaffected.
    const addon = findNativeAddon()!;
    const script = `
      const n = require(${JSON.stringify(addon)});
      const name = ${JSON.stringify(ringName(prefix, 5))};
      const p = n.createRing({ name, channel: 5, lines: 600, samples: 1024, dtype: 2, slots: 4 });
      const c = n.openRing(name);
      const sets = [0, 1].map(() => ({ header: new Uint8Array(64), payload: new Uint16Array(600 * 1024), info: new Float64Array(8) }));
      let delivered = 0;
      c.stream(sets, 1000, (st) => { if (st === 1) delivered++; });
      const frame = new Uint16Array(600 * 1024);
      const t0 = Date.now();
      let rtSeen = false;
      const tick = setInterval(() => {
        p.publish(frame, n.monotonicNs());
        rtSeen = rtSeen || c.realtime;
        if ((rtSeen && !c.realtime) || Date.now() - t0 > 5000) {
          clearInterval(tick);
          console.log(JSON.stringify({ rtSeen, realtime: c.realtime, state: c.realtimeState, took: Date.now() - t0, delivered }));
          c.close(); p.close();
        }
      }, 3);`;
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, SPECULA_REALTIME_CPU_LIMIT: '0.02' }, encoding: 'utf8', timeout: 20000 });
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout.trim());
    expect(o.rtSeen).toBe(true);
    expect(o.realtime).toBe(false);
    expect(o.state).toMatch(/^normal priority: demoted from SCHED_FIFO after using \d+% of a core$/);
    expect(r.stderr).toMatch(/real-time thread used \d+% of a core over 0\.5 s: back to normal priority/);
    expect(o.took).toBeLessThan(4000);
    expect(o.delivered).toBeGreaterThan(10);
  });

  it.skipIf(!rtByDefault)('a real-time device thread that needs more than half a core drops back to normal priority', async () => {
    // 4 channels × 1000 fps × 1.2 MB is far beyond what one thread renders here (~0.3 ms a frame):
    // the device thread runs flat out, and its guard must demote it within a window or two.
    const d = n.createSimDevice({ prefix: `${prefix}-hog`, channels: 4, fps: 1000, reference: false });
    d.start();
    expect(d.realtime).toBe(true);
    const t0 = Date.now();
    while (d.realtime && Date.now() - t0 < 5000) await sleep(50);
    const took = Date.now() - t0;
    const state = d.realtimeState;
    d.close();
    expect(state).toMatch(/^normal priority: demoted from SCHED_FIFO after using \d+% of a core$/);
    expect(took).toBeLessThan(3000);
  });
});
