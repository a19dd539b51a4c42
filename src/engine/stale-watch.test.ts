import { describe, expect, it } from 'vitest';
import { StaleWatch, type StaleNotice } from './stale-watch';

/** Manual clock and timers: the watch's decisions at exact times. */
function clock() {
  let now = 0;
  const timers: { at: number; cb: () => void; id: number }[] = [];
  let ids = 0;
  const ioQueue: (() => void)[] = [];
  return {
    timers: {
      now: () => now,
      setTimeout: (cb: () => void, ms: number) => {
        const id = ++ids;
        timers.push({ at: now + ms, cb, id });
        return id;
      },
      clearTimeout: (h: unknown) => {
        const i = timers.findIndex((t) => t.id === h);
        if (i >= 0) timers.splice(i, 1);
      },
      afterPendingIo: (cb: () => void) => ioQueue.push(cb),
    },
    /** Advance to `t`, firing due timers in order. */
    to(t: number) {
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > t) break;
        timers.shift();
        now = next.at;
        next.cb();
        ioQueue.splice(0).forEach((cb) => cb());
      }
      now = t;
    },
    pending: () => timers.length,
  };
}

describe('StaleWatch (the engine judges stalls on produced frames)', () => {
  it('says stale 3 source periods after the last produced frame, once, and live at the next frame', () => {
    const k = clock();
    const seen: (StaleNotice & { at: number })[] = [];
    const w = new StaleWatch(() => 30, (n) => seen.push({ ...n, at: k.timers.now() }), k.timers);
    for (let i = 0; i < 30; i++) {
      k.to(i * 33.33);
      w.frame(1, i);
    }
    expect(seen).toHaveLength(0); // frames every period: never stale
    const last = 29 * 33.33;
    k.to(last + 99);
    expect(seen).toHaveLength(0); // 3 periods = 100 ms not reached
    k.to(last + 150);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ channel: 1, stale: true });
    expect(seen[0].at - last).toBeGreaterThanOrEqual(100);
    expect(seen[0].at - last).toBeLessThanOrEqual(102);
    expect(seen[0].ageMs).toBeCloseTo(seen[0].at - last);
    expect(seen[0].thresholdMs).toBeCloseTo(3 * 33.33, 0); // 3 periods of the cadence seen
    k.to(last + 250);
    w.frame(1, 29); // the last frame again (passed, then processed on demand): not an arrival
    expect(seen).toHaveLength(1);
    k.to(last + 5000);
    expect(seen).toHaveLength(1); // said once
    expect(k.pending()).toBe(0); // and no timer ticking for a stale channel
    w.frame(1, 30);
    expect(seen[1]).toMatchObject({ channel: 1, stale: false });
    expect(seen[1].ageMs).toBeCloseTo(5000);
    w.close();
  });

  it('judges each channel on its own production cadence (a 10 fps channel after 300 ms)', () => {
    const k = clock();
    const seen: (StaleNotice & { at: number })[] = [];
    const w = new StaleWatch(() => 30, (n) => seen.push({ ...n, at: k.timers.now() }), k.timers);
    for (let i = 0; i <= 20; i++) {
      k.to(i * 100);
      w.frame(0, i); // this cascade delivers 10 fps of a 30 fps source
      w.frame(3, i);
    }
    // channel 3 keeps going (faster now); channel 0 stops
    for (let t = 2033, seq = 21; t < 2600; t += 33, seq++) {
      k.to(t);
      w.frame(3, seq);
    }
    const first = seen.find((n) => n.channel === 0)!;
    expect(first.stale).toBe(true);
    expect(first.at - 2000).toBeGreaterThanOrEqual(300);
    expect(first.at - 2000).toBeLessThan(303);
    expect(seen.filter((n) => n.channel === 3)).toHaveLength(0);
    w.close();
  });

  it('decides after the I/O that was waiting: a frame notice queued behind a blocked event loop is not a stall', () => {
    const k = clock();
    const seen: StaleNotice[] = [];
    let t = 0;
    const timers = {
      ...k.timers,
      now: () => t,
      // The loop was blocked: the frame notice that arrived meanwhile is handled before the decision.
      afterPendingIo: (cb: () => void) => {
        w.frame(5, 10);
        cb();
      },
    };
    const w = new StaleWatch(() => 30, (n) => seen.push(n), timers);
    for (let i = 0; i < 10; i++) {
      t = i * 33;
      w.frame(5, i);
    }
    t = 297 + 150; // the timer fires 150 ms after the last handled frame
    k.to(t);
    expect(seen).toHaveLength(0);
    w.close();
  });

  it('a new source (frame numbers restart) starts a new cadence; staleNow lists the stale channels', () => {
    const k = clock();
    const seen: StaleNotice[] = [];
    const w = new StaleWatch(() => 30, (n) => seen.push(n), k.timers);
    for (let i = 0; i <= 20; i++) {
      k.to(i * 300); // a slow replay: one frame per 300 ms (the period estimate caps at 4 × 33 ms)
      w.frame(2, 100 + i);
    }
    // Back to the live device at 30 fps: its numbers restart. Without the reset, the slow
    // source's intervals would stretch the period for 8 more frames.
    for (let i = 0; i < 5; i++) {
      k.to(6000 + i * 33.3);
      w.frame(2, i);
    }
    const lastAt = 6000 + 4 * 33.3;
    k.to(lastAt + 250);
    const stale = seen.filter((n) => n.stale);
    expect(stale.length).toBeGreaterThan(0);
    const last = stale[stale.length - 1];
    expect(last.lastFrameMs).toBeCloseTo(lastAt);
    expect(last.ageMs).toBeLessThan(104); // 3 live periods (+1 ms timer slack), not 3 × 133 ms
    expect(w.staleNow()).toEqual([{ channel: 2, stale: true, ageMs: 250, lastFrameMs: lastAt, thresholdMs: expect.closeTo(100, 0) }]);
    w.close();
    expect(k.pending()).toBe(0);
    const n = seen.length;
    w.frame(2, 9); // would clear the stale channel: but the watch is closed
    k.to(lastAt + 5000);
    expect(seen).toHaveLength(n);
  });
});
