import { describe, expect, it } from 'vitest';
import type { ChannelHealth } from '../../../shared/health';
import { formatAge, heldReason, nominalPeriodMs, tileSignal } from './staleness';

const h = (state: ChannelHealth['state']): ChannelHealth => ({ channel: 0, label: 'ch0', state, pid: 1, fpsIn: 30, fpsOut: 30, skipped: 0, gaps: 0, cascadeMsP50: 1, cascadeMsP99: 1, lastFrameAgeMs: 0, restarts: 0, lastError: state === 'down' ? 'killed' : null, cascade: 'light' });

describe('tileSignal', () => {
  it('goes stale after 3 frame periods without a frame, with the age', () => {
    const p30 = nominalPeriodMs(30);
    expect(tileSignal(1099, 1000, p30, h('running'), true).kind).toBe('live'); // 99 ms < 100 ms
    expect(tileSignal(1101, 1000, p30, h('running'), true)).toEqual({ kind: 'stale', ageMs: 101, by: 'page' });
    expect(tileSignal(1250, 1000, nominalPeriodMs(10), h('running'), true).kind).toBe('live'); // 10 fps: 300 ms
    expect(tileSignal(1301, 1000, nominalPeriodMs(10), h('running'), true).kind).toBe('stale');
  });
  it('the engine saying the cascade stopped producing makes the tile stale at once, with the older age', () => {
    const p30 = nominalPeriodMs(30);
    // The page got a (late) frame 20 ms ago, but the engine has produced nothing for 120 ms.
    expect(tileSignal(1020, 1000, p30, h('running'), true, null, 120)).toEqual({ kind: 'stale', ageMs: 120, by: 'engine' });
    expect(tileSignal(1500, 1000, p30, h('running'), true, null, 120)).toEqual({ kind: 'stale', ageMs: 500, by: 'engine' });
    expect(tileSignal(1020, 1000, p30, h('running'), true, 'DEVICE PAUSED', 120)).toEqual({ kind: 'held', reason: 'DEVICE PAUSED', ageMs: 120 });
    // a process fault or a lost connection still says so first
    expect(tileSignal(1020, 1000, p30, h('down'), true, null, 120).kind).toBe('down');
    expect(tileSignal(1020, 1000, p30, h('running'), false, null, 120).kind).toBe('disconnected');
    expect(tileSignal(1020, -1, p30, h('running'), true, null, 120).kind).toBe('waiting');
  });
  it('says waiting before the first frame, down for a dead process, disconnected above all', () => {
    expect(tileSignal(5000, -1, 33.3, h('running'), true).kind).toBe('waiting');
    expect(tileSignal(1001, 1000, 33.3, h('down'), true)).toEqual({ kind: 'down', state: 'down', error: 'killed' });
    expect(tileSignal(1001, 1000, 33.3, h('restarting'), true).kind).toBe('down');
    expect(tileSignal(1001, 1000, 33.3, h('running'), false).kind).toBe('disconnected');
  });
  it('a paused source is "not live" with its reason, never live and never a lost signal', () => {
    const p30 = nominalPeriodMs(30);
    expect(tileSignal(1099, 1000, p30, h('running'), true, 'DEVICE PAUSED').kind).toBe('live'); // still fresh
    expect(tileSignal(1500, 1000, p30, h('running'), true, 'REPLAY PAUSED')).toEqual({ kind: 'held', reason: 'REPLAY PAUSED', ageMs: 500 });
    // faults still win over a pause
    expect(tileSignal(1500, 1000, p30, h('down'), true, 'DEVICE PAUSED').kind).toBe('down');
    expect(tileSignal(1500, 1000, p30, h('running'), false, 'DEVICE PAUSED').kind).toBe('disconnected');
    expect(heldReason(false, null)).toBeNull();
    expect(heldReason(false, 'playing')).toBeNull();
    expect(heldReason(true, null)).toBe('DEVICE PAUSED');
    expect(heldReason(false, 'paused')).toBe('REPLAY PAUSED');
    expect(heldReason(false, 'ended')).toBe('REPLAY ENDED');
  });
  it('formats ages readably', () => {
    expect(formatAge(430)).toBe('0.43 s');
    expect(formatAge(12_345)).toBe('12.3 s');
    expect(formatAge(182_000)).toBe('3 min 02 s');
  });
});
