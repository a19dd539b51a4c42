import { describe, expect, it, vi } from 'vitest';

const exposeInMainWorld = vi.fn();
const ipcRenderer = { invoke: vi.fn(async () => ({ ok: true, result: 42 })), on: vi.fn(), removeListener: vi.fn() };
vi.mock('electron', () => ({ contextBridge: { exposeInMainWorld }, ipcRenderer }));
const postMessage = vi.fn();
(globalThis as any).window = { postMessage, location: { origin: 'file://' } };

const { createPreloadApi, relayFramePorts } = await import('./index');
import { IPC, PRELOAD_GLOBAL } from '../shared/bridge';

describe('preload', () => {
  it('exposes exactly one narrow API object (mode, invoke, on) — no ipcRenderer', () => {
    expect(exposeInMainWorld).toHaveBeenCalledOnce();
    const [name, api] = exposeInMainWorld.mock.calls[0];
    expect(name).toBe(PRELOAD_GLOBAL);
    expect(Object.keys(api).sort()).toEqual(['invoke', 'mode', 'on']);
    expect(JSON.stringify(api)).not.toContain('ipc');
  });

  it('forwards well-formed calls only, on the one call channel', async () => {
    const ipc = { invoke: vi.fn(async () => ({ ok: true, result: 1 })), on: vi.fn(), removeListener: vi.fn() };
    const api = createPreloadApi(ipc as never);
    await expect(api.invoke('channels.list', {})).resolves.toEqual({ ok: true, result: 1 });
    expect(ipc.invoke).toHaveBeenCalledWith(IPC.call, 'channels.list', {});
    await expect(api.invoke('__proto__', {})).resolves.toMatchObject({ ok: false, error: { code: 'bad-params' } });
    expect(ipc.invoke).toHaveBeenCalledOnce();
  });

  it('delivers only the subscribed event and unsubscribes', () => {
    const ipc = { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn() };
    const api = createPreloadApi(ipc as never);
    const l = vi.fn();
    const off = api.on('health', l);
    const h = ipc.on.mock.calls[0][1];
    h({}, 'state', { x: 1 });
    h({}, 'health', [7]);
    expect(l).toHaveBeenCalledExactlyOnceWith([7]);
    off();
    expect(ipc.removeListener).toHaveBeenCalledWith(IPC.event, h);
  });

  it('relays a channel frame port to the page with its channel id', () => {
    const ipc = { on: vi.fn() };
    const post = vi.fn();
    relayFramePorts(ipc as never, post);
    const h = ipc.on.mock.calls[0][1];
    const port = {};
    h({ ports: [port] }, { channel: 3 });
    h({ ports: [] }, { channel: 4 }); // no port: ignored
    h({ ports: [port] }, { channel: 'x' }); // bad channel: ignored
    expect(post).toHaveBeenCalledExactlyOnceWith({ type: IPC.pageFramePort, channel: 3 }, [port]);
  });
});
