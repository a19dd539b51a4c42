/**
 * Control IPC of the app: one `invoke` channel for every bridge call (sender validated, method
 * dispatched to the engine's handlers, answered as a `CallOutcome`), engine events pushed to the
 * window. Bulk frames never come here: they go worker → MessagePort → renderer.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { IPC, type BridgeHandlers, type CallOutcome } from '../shared/bridge';
import type { BridgeHost } from '../host/server/bridge-host';
import { dispatchCall } from '../host/server/rpc';

export function registerBridgeIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, handlers: BridgeHandlers, trusted: (e: IpcMainInvokeEvent) => boolean): () => void {
  ipcMain.handle(IPC.call, async (event: IpcMainInvokeEvent, method: unknown, params: unknown): Promise<CallOutcome> => {
    if (!trusted(event)) return { ok: false, error: { code: 'unauthorized', message: 'IPC sender is not the Specula window' } };
    return dispatchCall(handlers, method, params);
  });
  return () => ipcMain.removeHandler(IPC.call);
}

/** Push engine events to the window (a few per second). */
export function forwardEvents(host: Pick<BridgeHost, 'onEvent'>, target: () => WebContents | null): () => void {
  return host.onEvent((name, data) => {
    const wc = target();
    if (wc && !wc.isDestroyed()) wc.send(IPC.event, name, data);
  });
}
