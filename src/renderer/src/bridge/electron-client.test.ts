import { describe, expect, it } from 'vitest';
import type { PreloadApi } from '../../../shared/bridge';
import { ElectronBridge } from './electron-client';

const api = { invoke: async () => ({ ok: true, result: null }), on: () => () => {} } as unknown as PreloadApi;
const win = { addEventListener: () => {}, location: { origin: 'app://specula' } } as unknown as Window;

describe('ElectronBridge frame ports', () => {
  it('hands each frame to the listener and acknowledges it on the same port when the renderer is done (the worker\'s window)', async () => {
    const b = new ElectronBridge(api, win);
    const got: number[] = [];
    b.onFrames((f) => got.push(f.bytes[0]));
    const { port1: worker, port2: page } = new MessageChannel();
    b.adoptPort(5, page);
    const acks: unknown[] = [];
    worker.onmessage = (e) => acks.push(e.data);
    worker.postMessage(new Uint8Array([7, 1, 2]));
    worker.postMessage(new Uint8Array([8, 1, 2]));
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual([7, 8]);
    expect(acks).toEqual([]); // not on arrival
    b.frameDone(5);
    b.frameDone(5);
    await new Promise((r) => setTimeout(r, 50));
    expect(acks).toEqual([5, 5]);
    worker.postMessage('not a frame'); // neither delivered nor acknowledged
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toEqual([7, 8]);
    expect(acks).toEqual([5, 5]);
    worker.close();
  });

  it('emits the worker\'s stale verdicts from the port as `stale` events, unacknowledged, next to main\'s events', async () => {
    const mainListeners: ((d: unknown) => void)[] = [];
    const api2 = { invoke: async () => ({ ok: true, result: null }), on: (_e: string, l: (d: unknown) => void) => (mainListeners.push(l), () => mainListeners.splice(mainListeners.indexOf(l), 1)) } as unknown as PreloadApi;
    const b = new ElectronBridge(api2, win);
    const stale: unknown[] = [];
    const off = b.on('stale', (n) => stale.push(n));
    const { port1: worker, port2: page } = new MessageChannel();
    b.adoptPort(3, page);
    expect(stale).toEqual([{ channel: 3, stale: false, ageMs: 0, lastFrameMs: 0 }]); // a new worker: no verdict of an old one holds
    stale.length = 0;
    const acks: unknown[] = [];
    worker.onmessage = (e) => acks.push(e.data);
    const notice = { channel: 3, stale: true, ageMs: 120, lastFrameMs: 5 };
    worker.postMessage({ type: 'stale', notice });
    worker.postMessage({ type: 'stale' }); // malformed: ignored
    await new Promise((r) => setTimeout(r, 50));
    expect(stale).toEqual([notice]);
    expect(acks).toEqual([]); // not a frame: no acknowledgement
    expect(mainListeners).toHaveLength(1); // main's events still reach the same listener
    off();
    expect(mainListeners).toHaveLength(0);
    worker.postMessage({ type: 'stale', notice });
    await new Promise((r) => setTimeout(r, 30));
    expect(stale).toHaveLength(1); // unsubscribed from the port's events too
    worker.close();
  });
});
