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
const tag = (posted: unknown[][]) => posted.map((p) => (p[0] as Uint8Array)[0]);

afterEach(() => vi.useRealTimers());

describe('PortDisplaySink (Electron)', () => {
  it('posts frames as plain values (never in a transfer list), counts nothing without a port, follows a new port', () => {
    const sink = new PortDisplaySink();
    expect(sink.resize(1000)).toBe(1000); // exact size: a posted view clones its whole buffer
    const frame = new Uint8Array(1000);
    expect(sink.emit(frame)).toBe(false);
    const a = mkPort();
    sink.setPort(a.port);
    expect(sink.emit(frame)).toBe(true);
    expect(a.posted).toHaveLength(1);
    expect(a.posted[0]).toHaveLength(1); // one argument: no transfer list (electron#34905)
    const b = mkPort();
    sink.setPort(b.port);
    expect(a.closed()).toBe(1);
    expect(sink.emit(frame)).toBe(true); // a new port starts with an open window
    expect(b.posted).toHaveLength(1);
    sink.close();
    expect(sink.emit(frame)).toBe(false);
  });

  it('keeps one frame unacknowledged at most: the newest waits, older waiting ones are replaced (counted)', () => {
    const sink = new PortDisplaySink();
    sink.resize(16);
    const p = mkPort();
    sink.setPort(p.port);
    const frame = new Uint8Array(16);
    for (let i = 1; i <= 4; i++) {
      frame[0] = i; // the caller reuses its buffer: a waiting frame must be a copy
      expect(sink.emit(frame)).toBe(true);
    }
    expect(tag(p.posted)).toEqual([1]);
    expect(sink.replaced).toBe(2); // 2 and 3 replaced, 4 waits
    p.ack();
    expect(tag(p.posted)).toEqual([1, 4]);
    p.ack();
    expect(tag(p.posted)).toEqual([1, 4]); // nothing waiting
    frame[0] = 5;
    sink.emit(frame);
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
    sink.emit(frame);
    frame[0] = 2;
    sink.emit(frame);
    expect(tag(p.posted)).toEqual([1]);
    vi.advanceTimersByTime(ACK_TIMEOUT_MS + 1);
    frame[0] = 3;
    sink.emit(frame);
    expect(tag(p.posted)).toEqual([1, 3]);
    expect(sink.ackTimeouts).toBe(1);
  });
});
