import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelHealth } from '../../../shared/health';
import { useUi } from '../state/ui-store';
import { DisplayController, DOWN_LATCH_MS } from './display-controller';

const h = (state: ChannelHealth['state'], pid: number | null): ChannelHealth => ({ channel: 2, label: 'ch2', state, pid, fpsIn: 30, fpsOut: 30, skipped: 0, gaps: 0, cascadeMsP50: 1, cascadeMsP99: 1, lastFrameAgeMs: 0, restarts: 0, lastError: state === 'running' ? null : 'process killed by SIGKILL', cascade: 'light' });
const health = (x: ChannelHealth) => useUi.getState().set({ health: { 2: x } });

describe('DisplayController process-outage latch', () => {
  let c: DisplayController;
  afterEach(() => c?.dispose());

  it('shows PROCESS DOWN for a restart that went by between two watchdog ticks, until a new frame and ≥1 s', () => {
    useUi.getState().set({ connected: true, channels: [], health: {} });
    c = new DisplayController();
    const slot = c.store.slot(2);
    slot.noteArrival(performance.now());
    health(h('running', 100));
    // down → restarting → starting → running, all before the watchdog looks.
    health(h('down', null));
    health(h('restarting', null));
    health(h('starting', 101));
    health(h('running', 101));
    const t = performance.now();
    expect(c.signalOf(2, t).kind).toBe('down');
    slot.noteArrival(t + 10); // first frame of the new process
    expect(c.signalOf(2, t + 20).kind).toBe('down'); // still inside the latch
    expect(c.signalOf(2, t + DOWN_LATCH_MS + 20).kind).toBe('stale'); // latch over; the frame is old by now
    slot.noteArrival(t + DOWN_LATCH_MS + 30);
    expect(c.signalOf(2, t + DOWN_LATCH_MS + 40).kind).toBe('live');
  });

  it('also catches a replaced process whose outage no report showed (pid changed)', () => {
    useUi.getState().set({ connected: true, channels: [], health: {} });
    c = new DisplayController();
    const slot = c.store.slot(2);
    const t = performance.now();
    slot.noteArrival(t);
    health(h('running', 200));
    expect(c.signalOf(2, t + 5).kind).toBe('live');
    health(h('running', 201));
    expect(c.signalOf(2, t + 6).kind).toBe('down');
  });
});
