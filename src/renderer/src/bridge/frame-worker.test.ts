import { beforeAll, describe, expect, it } from 'vitest';
import { FH } from '../../../shared/frame-header';

// The worker runs with `self` and `WebSocket` globals: give it fakes, then load it.
const posted: { msg: any; transfer: unknown[] }[] = [];
class FakeSocket {
  static last: FakeSocket;
  static OPEN = 1;
  readyState = 1;
  binaryType = '';
  /** Text messages as sent; binary ones (frame acks) copied, since the worker reuses its buffer. */
  sent: (string | number[])[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(s: string | Uint8Array) {
    this.sent.push(typeof s === 'string' ? s : Array.from(s));
  }
  close() {}
}
const self: any = { postMessage: (msg: unknown, transfer: unknown[]) => posted.push({ msg, transfer }) };

function frame(channel: number, tag: number): ArrayBuffer {
  const b = new ArrayBuffer(80);
  new DataView(b).setUint32(FH.channel, channel, true);
  new Uint8Array(b)[79] = tag;
  return b;
}

beforeAll(async () => {
  (globalThis as any).self = self;
  (globalThis as any).WebSocket = FakeSocket;
  await import('./frame-worker');
  self.onmessage({ data: { type: 'connect', url: 'ws://x/ws?token=t' } });
  FakeSocket.last.onopen!();
});

describe('frame worker (web mode)', () => {
  it('routes by the header channel id, one frame in flight per channel, newest waits, drops counted', () => {
    const ws = FakeSocket.last;
    expect(ws.url).toBe('ws://x/ws?token=t');
    expect(ws.binaryType).toBe('arraybuffer');
    posted.length = 0;
    ws.sent.length = 0;
    for (let i = 1; i <= 5; i++) ws.onmessage!({ data: frame(3, i) }); // page has not acked yet
    ws.onmessage!({ data: frame(7, 1) }); // another channel is independent
    const frames = () => posted.filter((p) => p.msg.type === 'frame');
    expect(frames().map((p) => [p.msg.channel, new Uint8Array(p.msg.buffer)[79]])).toEqual([[3, 1], [7, 1]]);
    expect(frames()[0].transfer).toEqual([frames()[0].msg.buffer]); // transferred, not copied
    // A frame is acknowledged to the server (its header's channel id, uint32 LE) when the page is
    // done with it, or when it is dropped here (frames 2..4, replaced while waiting): never on
    // arrival, so the server's window spans the way to the screen.
    expect(ws.sent).toEqual([[3, 0, 0, 0], [3, 0, 0, 0], [3, 0, 0, 0]]);
    self.onmessage({ data: { type: 'ack', channel: 3 } });
    expect(ws.sent).toHaveLength(4); // the page's ack of frame 1 goes on to the server
    const third = frames()[2];
    expect([third.msg.channel, new Uint8Array(third.msg.buffer)[79], third.msg.dropped]).toEqual([3, 5, 3]); // frames 2..4 dropped
    self.onmessage({ data: { type: 'ack', channel: 3 } });
    expect(frames()).toHaveLength(3); // nothing waiting
    expect(ws.sent).toHaveLength(5);
    self.onmessage({ data: { type: 'ack', channel: 3 } }); // a stray ack is not passed on
    self.onmessage({ data: { type: 'ack', channel: 7 } });
    expect(ws.sent).toEqual([[3, 0, 0, 0], [3, 0, 0, 0], [3, 0, 0, 0], [3, 0, 0, 0], [3, 0, 0, 0], [7, 0, 0, 0]]);
  });

  it('forwards text messages and reports the connection status', () => {
    const ws = FakeSocket.last;
    posted.length = 0;
    ws.sent.length = 0;
    ws.onmessage!({ data: JSON.stringify({ type: 'event', name: 'health', data: [] }) });
    expect(posted[0].msg).toEqual({ type: 'text', message: { type: 'event', name: 'health', data: [] } });
    self.onmessage({ data: { type: 'send', message: { type: 'subscribe', frames: false } } });
    expect(ws.sent).toEqual([JSON.stringify({ type: 'subscribe', frames: false })]);
    self.onmessage({ data: { type: 'close' } });
    ws.onclose!({ code: 1000, reason: '' });
    expect(posted[posted.length - 1].msg).toEqual({ type: 'status', connected: false, reason: 'socket closed (code 1000)' });
  });

  it('hands the page at most PAGE_FRAME_WINDOW frames of all channels at once; the channel that waited longest goes next', async () => {
    const { PAGE_FRAME_WINDOW, CLIENT_FRAME_WINDOW } = await import('../../../shared/bridge');
    expect(PAGE_FRAME_WINDOW).toBe(CLIENT_FRAME_WINDOW); // the server's window spans the way to the screen
    self.onmessage({ data: { type: 'connect', url: 'ws://x/ws?token=t' } });
    const ws = FakeSocket.last;
    ws.onopen!();
    posted.length = 0;
    const frames = () => posted.filter((p) => p.msg.type === 'frame').map((p) => [p.msg.channel, new Uint8Array(p.msg.buffer)[79]]);
    const W = PAGE_FRAME_WINDOW;
    const atPage = [...Array(W).keys()].map((i) => [10 + i, 1]);
    for (let i = 0; i <= W; i++) ws.onmessage!({ data: frame(10 + i, 1) }); // the last one waits in the worker
    expect(frames()).toEqual(atPage);
    ws.onmessage!({ data: frame(11, 2) }); // waits too, but after channel 10+W
    self.onmessage({ data: { type: 'ack', channel: 10 } });
    expect(frames()).toEqual([...atPage, [10 + W, 1]]); // the longest waiting, not the newest
    self.onmessage({ data: { type: 'ack', channel: 10 + W } });
    expect(frames()).toHaveLength(W + 1); // channel 11 still has one at the page
    self.onmessage({ data: { type: 'ack', channel: 10 + W } }); // a stray ack changes nothing
    self.onmessage({ data: { type: 'ack', channel: 11 } });
    expect(frames()).toEqual([...atPage, [10 + W, 1], [11, 2]]);
  });
});
