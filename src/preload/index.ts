/**
 * Preload (sandboxed, context-isolated): exposes ONE narrow typed API on `window.specula`
 * (`PreloadApi` from src/shared/bridge.ts) and relays frame ports to the page. No raw ipcRenderer,
 * no Node, nothing else reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC, METHOD_NAME_PATTERN, PRELOAD_GLOBAL, type BridgeEventName, type CallOutcome, type PreloadApi } from '../shared/bridge';


export function createPreloadApi(ipc: Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener'>): PreloadApi {
  return {
    mode: 'electron',
    invoke(method: string, params: unknown): Promise<CallOutcome> {
      if (typeof method !== 'string' || !METHOD_NAME_PATTERN.test(method)) {
        return Promise.resolve({ ok: false, error: { code: 'bad-params', message: `method must be a dotted name, got ${JSON.stringify(method)}` } });
      }
      return ipc.invoke(IPC.call, method, params ?? {}) as Promise<CallOutcome>;
    },
    on(event, listener) {
      if (typeof event !== 'string' || typeof listener !== 'function') throw new TypeError('on(event, listener)');
      const h = (_e: IpcRendererEvent, name: BridgeEventName, data: unknown) => {
        if (name === event) (listener as (d: unknown) => void)(data);
      };
      ipc.on(IPC.event, h);
      return () => {
        ipc.removeListener(IPC.event, h);
      };
    },
  };
}

/** Relay a channel's frame port from main to the page (ports cannot cross contextBridge). */
export function relayFramePorts(ipc: Pick<typeof ipcRenderer, 'on'>, post: (msg: unknown, ports: unknown[]) => void): void {
  ipc.on(IPC.framePort, (e: IpcRendererEvent, msg: { channel?: unknown }) => {
    if (typeof msg?.channel !== 'number' || !e.ports?.[0]) return;
    post({ type: IPC.pageFramePort, channel: msg.channel }, [e.ports[0]]);
  });
}

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, createPreloadApi(ipcRenderer));
// The preload shares the page's window (isolated world); the page checks `event.source === window`.
const win = (globalThis as unknown as { window: { postMessage(m: unknown, o: string, p: unknown[]): void; location: { origin: string } } }).window;
relayFramePorts(ipcRenderer, (msg, ports) => win.postMessage(msg, /^(null|file:)/.test(win.location.origin) ? '*' : win.location.origin, ports));
