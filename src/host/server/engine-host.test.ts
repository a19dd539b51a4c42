import { describe, expect, it, vi } from 'vitest';
import type { Engine } from '../../engine/engine';
import { EngineHost } from './engine-host';
import { findPresetDir } from './presets';
import { dispatchCall } from './rpc';

function fakeEngine() {
  const healthCbs: ((h: unknown[]) => void)[] = [];
  const e = {
    info: { channels: [0, 1, 2], fps: 30, lines: 600, samples: 1024 },
    native: { monotonicNs: () => 123_000_000 },
    health: vi.fn(() => []),
    onHealth: (cb: (h: unknown[]) => void) => (healthCbs.push(cb), () => undefined),
    onDisplayFrame: vi.fn(() => () => undefined),
    onFrameProduced: vi.fn((_cb: (channel: number, seq: number) => void) => () => undefined),
    onFramePassed: vi.fn((_cb: (channel: number, seq: number) => void) => () => undefined),
    setDisplayPaced: vi.fn(),
    pullDisplayFrame: vi.fn((_ch: number) => true),
    pause: vi.fn(),
    resume: vi.fn(),
    stall: vi.fn(),
    pid: vi.fn((ch: number) => 4000 + ch),
    acquisitionPriority: () => ({ realtime: true, state: 'SCHED_FIFO 30' }),
    setCascade: vi.fn(async (_ch: number | 'all', spec: { name: string }) => {
      if (spec.name === 'bad') throw new Error('stage s1: unknown stage type "nope"');
    }),
    healthCbs,
  };
  return e;
}

const spec = { name: 'light', input: { lines: 600, samples: 1024, dtype: 'uint16' }, stages: [], outputs: { display: 's1' } } as any;

describe('EngineHost (the real Engine behind the bridge)', () => {
  it('maps device controls to the engine and reports state', async () => {
    const e = fakeEngine();
    const kill = vi.fn();
    const h = new EngineHost(e as unknown as Engine, { mode: 'web', presetDir: findPresetDir(), cascade: spec, relayFrames: true, kill });
    const events: string[] = [];
    h.onEvent((n) => events.push(n));
    await expect(dispatchCall(h.handlers, 'device.stall', { channel: 1, stalled: true })).resolves.toMatchObject({ ok: true, result: { stalled: [1] } });
    expect(e.stall).toHaveBeenCalledWith(1, true);
    await expect(dispatchCall(h.handlers, 'device.stall', { channel: 9, stalled: true })).resolves.toMatchObject({ ok: false, error: { code: 'rejected', message: 'unknown channel 9 (channels: 0, 1, 2)' } });
    await dispatchCall(h.handlers, 'device.pause', { paused: true });
    expect(e.pause).toHaveBeenCalled();
    expect(events).toEqual(['state', 'state']);
    await expect(dispatchCall(h.handlers, 'worker.kill', { channel: 2 })).resolves.toEqual({ ok: true, result: { killedPid: 4002 } });
    expect(kill).toHaveBeenCalledWith(4002, 'SIGKILL');
    await expect(dispatchCall(h.handlers, 'engine.clock', {})).resolves.toEqual({ ok: true, result: { monotonicNs: 123_000_000 } });
    // The acquisition thread's scheduling is part of the state (shown in the status bar).
    await expect(dispatchCall(h.handlers, 'engine.state', {})).resolves.toMatchObject({ ok: true, result: { acquisition: 'SCHED_FIFO 30', mode: 'web' } });
    const list = await dispatchCall(h.handlers, 'channels.list', {});
    expect(list).toMatchObject({ ok: true, result: [{ channel: 0, label: 'CH 0', fps: 30, cascade: 'light' }, { channel: 1 }, { channel: 2 }] });
  });

  it('passes the engine validation message of a refused cascade and keeps the old one', async () => {
    const e = fakeEngine();
    const h = new EngineHost(e as unknown as Engine, { mode: 'web', presetDir: findPresetDir(), cascade: spec, relayFrames: true });
    const r = await dispatchCall(h.handlers, 'cascade.set', { channels: [1], spec: { ...spec, name: 'bad' } });
    expect(r).toEqual({ ok: false, error: { code: 'rejected', message: 'stage s1: unknown stage type "nope"' } });
    expect(await dispatchCall(h.handlers, 'cascade.get', { channel: 1 })).toMatchObject({ ok: true, result: { spec: { name: 'light' } } });
    const ok = await dispatchCall(h.handlers, 'cascade.set', { channels: [1], spec: { ...spec, name: 'other' } });
    expect(ok).toEqual({ ok: true, result: { applied: [1] } });
    expect(e.setCascade).toHaveBeenLastCalledWith(1, expect.objectContaining({ name: 'other' }));
    expect(await dispatchCall(h.handlers, 'cascade.get', { channel: 1 })).toMatchObject({ ok: true, result: { spec: { name: 'other' } } });
  });

  it('coalesces health bursts to a few events per second, newest wins', async () => {
    vi.useFakeTimers();
    try {
      const e = fakeEngine();
      const h = new EngineHost(e as unknown as Engine, { mode: 'web', presetDir: null, cascade: spec, relayFrames: true });
      const got: unknown[] = [];
      h.onEvent((n, d) => n === 'health' && got.push(d));
      const hl = (n: number, state = 'running', pid = 7) => [{ channel: 0, state, pid, n }];
      for (let i = 0; i < 50; i++) e.healthCbs[0](hl(i));
      await vi.advanceTimersByTimeAsync(1);
      expect(got.map((g: any) => g[0].n)).toEqual([0]);
      await vi.advanceTimersByTimeAsync(260);
      expect(got.map((g: any) => g[0].n)).toEqual([0, 49]); // first (new states) at once, then newest
      for (let i = 50; i < 100; i++) {
        e.healthCbs[0](hl(i));
        await vi.advanceTimersByTimeAsync(10); // 100 reports/s for 0.5 s
      }
      await vi.advanceTimersByTimeAsync(300);
      expect(got.length).toBeLessThanOrEqual(5);
      expect((got[got.length - 1] as any)[0].n).toBe(99);
      // A process going down and coming back is never coalesced away.
      got.length = 0;
      e.healthCbs[0](hl(100, 'down', 7));
      e.healthCbs[0](hl(101, 'running', 8));
      expect(got.map((g: any) => g[0].state)).toEqual(['down', 'running']);
      h.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('web mode: a channel whose cascade stops producing frames is reported stale by the engine, and live at its next frame', async () => {
    const e = fakeEngine();
    let produced: (channel: number, seq: number) => void = () => undefined;
    e.onFrameProduced.mockImplementation((cb) => ((produced = cb), () => undefined));
    const h = new EngineHost(e as unknown as Engine, { mode: 'web', presetDir: null, cascade: spec, relayFrames: true });
    const events: { name: string; data: any }[] = [];
    h.onEvent((name, data) => events.push({ name, data }));
    expect(h.currentEvents()).toEqual([]);
    produced(1, 1);
    const t0 = performance.now();
    await vi.waitFor(() => expect(events.find((x) => x.name === 'stale')).toBeDefined(), { timeout: 3000, interval: 5 });
    const ev = events.find((x) => x.name === 'stale')!;
    expect(ev.data).toMatchObject({ channel: 1, stale: true });
    expect(ev.data.ageMs).toBeGreaterThanOrEqual(99); // 3 periods of 30 fps, never earlier
    expect(performance.now() - t0).toBeGreaterThanOrEqual(99);
    // A client connecting now learns it after hello.
    expect(h.currentEvents()).toMatchObject([{ name: 'stale', data: { channel: 1, stale: true, lastFrameMs: ev.data.lastFrameMs } }]);
    produced(1, 2);
    expect(events.filter((x) => x.name === 'stale').map((x) => x.data.stale)).toEqual([true, false]);
    expect(h.currentEvents()).toEqual([]);
    expect(e.onDisplayFrame).not.toHaveBeenCalled(); // judged on every produced frame, not on relayed copies
    h.close();
  });

  it('web mode, display on demand: frames read and passed keep a channel live; pace and pulls go to the engine', async () => {
    const e = fakeEngine();
    let produced: (channel: number, seq: number) => void = () => undefined;
    let passed: (channel: number, seq: number) => void = () => undefined;
    e.onFrameProduced.mockImplementation((cb) => ((produced = cb), () => undefined));
    e.onFramePassed.mockImplementation((cb) => ((passed = cb), () => undefined));
    const h = new EngineHost(e as unknown as Engine, { mode: 'web', presetDir: null, cascade: spec, relayFrames: true });
    const stale: boolean[] = [];
    h.onEvent((name, data: any) => name === 'stale' && stale.push(data.stale));
    // One processed frame, then only passed ones at 30 fps for 400 ms: the source is alive.
    produced(2, 1);
    for (let seq = 2; seq <= 13; seq++) {
      await new Promise((r) => setTimeout(r, 33));
      passed(2, seq);
    }
    expect(stale).toEqual([]);
    // Then nothing at all: stale after 3 periods.
    await vi.waitFor(() => expect(stale).toEqual([true]), { timeout: 3000, interval: 5 });
    h.demand!.setPaced(true);
    expect(e.setDisplayPaced).toHaveBeenCalledWith(true);
    expect(h.demand!.pull(1)).toBe(true);
    expect(e.pullDisplayFrame).toHaveBeenCalledWith(1);
    expect(h.demand!.channels()).toEqual([0, 1, 2]);
    h.close();
  });

  it('lists and loads presets from resources/cascades, refusing paths', async () => {
    const e = fakeEngine();
    const h = new EngineHost(e as unknown as Engine, { mode: 'web', presetDir: findPresetDir(), cascade: spec, relayFrames: false });
    const list = (await dispatchCall(h.handlers, 'presets.list', {})) as any;
    expect(list.result.map((p: any) => p.name)).toContain('light');
    expect(await dispatchCall(h.handlers, 'presets.get', { name: 'light' })).toMatchObject({ ok: true, result: { name: 'light' } });
    expect(await dispatchCall(h.handlers, 'presets.get', { name: '../package' })).toMatchObject({ ok: false, error: { code: 'rejected' } });
    // Electron mode: frames go over ports, the host relays none and asks for none.
    expect(h.demand).toBeUndefined();
    h.onFrame(() => undefined);
    expect(e.onDisplayFrame).not.toHaveBeenCalled();
  });
});
