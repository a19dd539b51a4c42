/** Which bridge this page has: the preload's (Electron) or the web client (`specula serve`). */
import { PRELOAD_GLOBAL, type PreloadApi, type SpeculaBridge } from '../../../shared/bridge';
import { ElectronBridge } from './electron-client';
import { WebBridge } from './web-client';

export function pickBridge(): SpeculaBridge {
  const api = (window as unknown as Record<string, PreloadApi | undefined>)[PRELOAD_GLOBAL];
  return api ? new ElectronBridge(api) : WebBridge.fromLocation();
}
