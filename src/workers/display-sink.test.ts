import { describe, expect, it } from 'vitest';
import { PortDisplaySink } from './display-sink';

describe('PortDisplaySink (Electron)', () => {
  it('posts frames as plain values (never in a transfer list), counts nothing without a port, follows a new port', () => {
    const sink = new PortDisplaySink();
    expect(sink.resize(1000)).toBe(1000); // exact size: a posted view clones its whole buffer
    const frame = new Uint8Array(1000);
    expect(sink.emit(frame)).toBe(false);
    const posted: unknown[][] = [];
    let closed = 0;
    const mk = () => ({
      postMessage: (...args: unknown[]) => posted.push(args),
      start: () => {},
      close: () => closed++,
    });
    sink.setPort(mk());
    expect(sink.emit(frame)).toBe(true);
    expect(posted).toEqual([[frame]]); // one argument: no transfer list (electron#34905)
    sink.setPort(mk());
    expect(closed).toBe(1);
    sink.close();
    expect(sink.emit(frame)).toBe(false);
  });
});
