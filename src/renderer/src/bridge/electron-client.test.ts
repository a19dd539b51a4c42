import { describe, expect, it } from 'vitest';
import type { PreloadApi } from '../../../shared/bridge';
import { ElectronBridge } from './electron-client';

const api = { invoke: async () => ({ ok: true, result: null }), on: () => () => {} } as unknown as PreloadApi;
const win = { addEventListener: () => {}, location: { origin: 'app://specula' } } as unknown as Window;

describe('ElectronBridge frame ports', () => {
  it('hands each frame to the listener and acknowledges it on the same port (the worker\'s window)', async () => {
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
    expect(acks).toEqual([5, 5]);
    worker.postMessage('not a frame'); // neither delivered nor acknowledged
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toEqual([7, 8]);
    expect(acks).toEqual([5, 5]);
    worker.close();
  });
});
