import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACK_TIMEOUT_MS } from '../shared/bridge';
import { PortDisplaySink } from './display-sink';

/** A port like MessagePortMain: records posts (cloned, as structured clone would) and lets the test ack. */
function mkPort() {
  const posted: unknown[][] = [];
  const on: Record<string, ((e?: { data: unknown }) => void)[]> = {};
  let closed = 0;
  const port = {
    postMessage: (...args: unknown[]) => posted.push(args.map((a) => (a instanceof Uint8Array ? Uint8Array.from(a) : a))),
    start: () => {},
    close: () => closed++,
    on: (ev: string, cb: (e?: { data: unknown }) => void) => (on[ev] ??= []).push(cb),
  };
  return { port, posted, ack: () => on.message?.forEach((cb) => cb({ data: 0 })), closed: () => closed };
}
const tag = (posted: unknown[][]) => posted.filter((p) => p[0] instanceof Uint8Array).map((p) => (p[0] as Uint8Array)[0]);

afterEach(() => vi.useRealTimers());

describe('PortDisplaySink (Electron)', () => {
  it('posts frames as plain values (never in a transfer list), counts nothing without a port, follows a new port', () => {
    const sink = new PortDisplaySink();
    expect(sink.resize(1000)).toBe(1000); // exact size: a posted view clones its whole buffer
    const frame = new Uint8Array(1000);
    expect(sink.emit(frame, 1)).toBe(false);
    const a = mkPort();
    sink.setPort(a.port);
    expect(sink.emit(frame, 1)).toBe(true);
    expect(a.posted).toHaveLength(1);
    expect(a.posted[0]).toHaveLength(1); // one argument: no transfer list (electron#34905)
    const b = mkPort();
    sink.setPort(b.port);
    expect(a.closed()).toBe(1);
    expect(sink.emit(frame, 1)).toBe(true); // a new port starts with an open window
    expect(b.posted).toHaveLength(1);
    sink.close();
    expect(sink.emit(frame, 1)).toBe(false);
  });

  it('keeps one frame unacknowledged at most: the newest waits, older waiting ones are replaced (counted)', () => {
    const sink = new PortDisplaySink();
    sink.resize(16);
    const p = mkPort();
    sink.setPort(p.port);
    const frame = new Uint8Array(16);
    for (let i = 1; i <= 4; i++) {
      frame[0] = i; // the caller reuses its buffer: a waiting frame must be a copy
      expect(sink.emit(frame, 1)).toBe(true);
    }
    expect(tag(p.posted)).toEqual([1]);
    expect(sink.replaced).toBe(2); // 2 and 3 replaced, 4 waits
    p.ack();
    expect(tag(p.posted)).toEqual([1, 4]);
    p.ack();
    expect(tag(p.posted)).toEqual([1, 4]); // nothing waiting
    frame[0] = 5;
    sink.emit(frame, 1);
    expect(tag(p.posted)).toEqual([1, 4, 5]); // window open again: posted at once
  });

  it('gives up a missing acknowledgement after ACK_TIMEOUT_MS', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const sink = new PortDisplaySink();
    sink.resize(4);
    const p = mkPort();
    sink.setPort(p.port);
    const frame = new Uint8Array(4);
    frame[0] = 1;
    sink.emit(frame, 1);
    frame[0] = 2;
    sink.emit(frame, 1);
    expect(tag(p.posted)).toEqual([1]);
    vi.advanceTimersByTime(ACK_TIMEOUT_MS + 1);
    frame[0] = 3;
    sink.emit(frame, 1);
    expect(tag(p.posted)).toEqual([1, 3]);
    expect(sink.ackTimeouts).toBe(1);
  });

  it('tells the renderer on the port when the channel stops publishing, and a new port (reloaded page) at once', () => {
    let now = 0;
    const due: { at: number; cb: () => void }[] = [];
    const timers = {
      now: () => now,
      setTimeout: (cb: () => void, ms: number) => due.push({ at: now + ms, cb }),
      clearTimeout: () => undefined,
      afterPendingIo: (cb: () => void) => cb(),
    };
    const run = (t: number) => {
      for (;;) {
        due.sort((a, b) => a.at - b.at);
        if (!due[0] || due[0].at > t) break;
        const d = due.shift()!;
        now = d.at;
        d.cb();
      }
      now = t;
    };
    const sink = new PortDisplaySink(5, 30, timers);
    sink.resize(4);
    const p = mkPort();
    sink.setPort(p.port);
    const frame = new Uint8Array(4);
    for (let i = 0; i < 10; i++) {
      run(i * 33.3);
      sink.emit(frame, i); // frames 2.. wait for acks that never come: still publishing
    }
    run(9 * 33.3 + 90);
    expect(p.posted.filter((m) => !(m[0] instanceof Uint8Array))).toHaveLength(0); // not yet 3 periods
    run(9 * 33.3 + 150);
    const notes = p.posted.filter((m) => !(m[0] instanceof Uint8Array)).map((m) => m[0] as { type: string; notice: { channel: number; stale: boolean; ageMs: number } });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ type: 'stale', notice: { channel: 5, stale: true } });
    expect(notes[0].notice.ageMs).toBeGreaterThanOrEqual(100);
    expect(tag(p.posted)).toEqual([0]); // the notice is not a frame: it takes no room in the ack window
    const q = mkPort();
    sink.setPort(q.port); // reloaded page
    expect(q.posted.map((m) => m[0])).toMatchObject([{ type: 'stale', notice: { channel: 5, stale: true } }]);
    sink.emit(frame, 10);
    expect(q.posted.map((m) => m[0])[1]).toMatchObject({ type: 'stale', notice: { channel: 5, stale: false } });
    expect(tag(q.posted)).toEqual([0]);
    sink.close();
  });

  it('paced: pulls a frame only when the renderer has room (now, after each acknowledgement, on a new port)', () => {
    const sink = new PortDisplaySink();
    sink.resize(4);
    let pulls = 0;
    sink.setPaced(() => pulls++);
    expect(pulls).toBe(0); // no port yet: nobody to show a frame to
    const p = mkPort();
    sink.setPort(p.port);
    expect(pulls).toBe(1);
    const frame = Uint8Array.of(1, 0, 0, 0);
    sink.emit(frame, 1); // the pulled frame
    expect(tag(p.posted)).toEqual([1]);
    expect(pulls).toBe(1); // window full: no pull until the renderer answers
    p.ack();
    expect(pulls).toBe(2);
    p.ack(); // a stray answer: nothing was outstanding, no pull
    expect(pulls).toBe(2);
    sink.emit(Uint8Array.of(2, 0, 0, 0), 2);
    const q = mkPort();
    sink.setPort(q.port); // a reloaded page starts with room
    expect(pulls).toBe(3);
    sink.close();
  });

  it('paced: an acknowledgement that never comes is given up within 1.25 × ACK_TIMEOUT_MS, and the next frame pulled', () => {
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
    const sink = new PortDisplaySink();
    sink.resize(4);
    let pulls = 0;
    const p = mkPort();
    sink.setPort(p.port);
    sink.setPaced(() => pulls++);
    sink.emit(Uint8Array.of(1, 0, 0, 0), 1);
    expect(pulls).toBe(1);
    vi.advanceTimersByTime(ACK_TIMEOUT_MS - 10);
    expect(pulls).toBe(1);
    vi.advanceTimersByTime(ACK_TIMEOUT_MS / 4 + 20); // checked every quarter of the timeout
    expect(pulls).toBe(2);
    expect(sink.ackTimeouts).toBe(1);
    sink.close();
  });

  it('paced: frames the loop passed still count as production for the stall watch', () => {
    let now = 0;
    const due: { at: number; cb: () => void }[] = [];
    const timers = { now: () => now, setTimeout: (cb: () => void, ms: number) => due.push({ at: now + ms, cb }), clearTimeout: () => undefined, afterPendingIo: (cb: () => void) => cb() };
    const sink = new PortDisplaySink(2, 30, timers);
    sink.resize(4);
    const p = mkPort();
    sink.setPort(p.port);
    sink.setPaced(() => undefined);
    sink.emit(new Uint8Array(4), 0); // then the renderer never answers: the loop passes every frame
    for (let i = 1; i <= 20; i++) {
      now = i * 33.3;
      sink.passed(i);
      for (const d of due.splice(0).sort((a, b) => a.at - b.at)) if (d.at <= now) d.cb(); else due.push(d);
    }
    const notes = p.posted.filter((m) => !(m[0] instanceof Uint8Array));
    expect(notes).toEqual([]); // producing all along: never called stale
    sink.close();
  });
});
