/**
 * The Electron shell: window creation, security, and wiring of the engine (utilityProcess workers,
 * frame MessagePorts straight to the window, control IPC). Everything else is the engine's.
 */
import { app, BrowserWindow, ipcMain, MessageChannelMain, session, utilityProcess, type WebContents } from 'electron';
import { join } from 'node:path';
import { IPC } from '../shared/bridge';
import type { CascadeSpec } from '../shared/cascade-spec';
import { Engine } from '../engine/engine';
import { latencyHandlers } from '../engine/latency/bridge-handlers';
import { LatencyService } from '../engine/latency/service';
import { attachRecordReplay } from '../engine/replay/attach';
import { UtilityChannelLauncher, type UtilityProcessModuleLike } from '../engine/launcher-utility';
import { EngineHost } from '../host/server/engine-host';
import { findPresetDir, loadCascadeArg } from '../host/server/presets';
import { forwardEvents, registerBridgeIpc } from './ipc';
import { hardenSession, hardenWebContents, isTrustedSender, secureWebPreferences } from './security';

export interface ShellOptions {
  /** Directory of the built app (`out/main`): preload, renderer and worker paths derive from it. */
  mainDir: string;
  channels: number;
  fps: number;
  cascade: string;
  /** Dev server URL (electron-vite dev), else the built renderer file. */
  rendererUrl?: string;
}

export interface Shell {
  window: BrowserWindow;
  engine: Engine | null;
  appUrl: string;
  stop(): Promise<void>;
}

export function shellOptionsFromEnv(mainDir: string, env: NodeJS.ProcessEnv = process.env): ShellOptions {
  const int = (v: string | undefined, d: number, name: string, max: number) => {
    if (v === undefined || v === '') return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new RangeError(`${name} must be a number in (0, ${max}], got ${JSON.stringify(v)}`);
    return n;
  };
  return {
    mainDir,
    channels: Math.round(int(env.SPECULA_CHANNELS, 4, 'SPECULA_CHANNELS', 64)),
    fps: int(env.SPECULA_FPS, 30, 'SPECULA_FPS', 1000),
    cascade: env.SPECULA_CASCADE || 'light',
    rendererUrl: env.ELECTRON_RENDERER_URL,
  };
}

export async function startShell(o: ShellOptions): Promise<Shell> {
  hardenSession(session.defaultSession);
  let appUrl = o.rendererUrl ?? `file://${join(o.mainDir, '..', 'renderer', 'index.html')}`;
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents, () => appUrl));

  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    backgroundColor: '#111214',
    title: 'Specula',
    show: false,
    webPreferences: secureWebPreferences(join(o.mainDir, '..', 'preload', 'index.cjs')),
  });
  win.once('ready-to-show', () => win.show());
  const target = (): WebContents | null => (win.isDestroyed() ? null : win.webContents);

  const presetDir = findPresetDir(o.mainDir);
  const cascade: CascadeSpec = loadCascadeArg(presetDir, o.cascade);
  const launcher = new UtilityChannelLauncher(utilityProcess as unknown as UtilityProcessModuleLike, join(o.mainDir, 'channel-worker.js'));
  const engine = await Engine.start({
    channels: o.channels,
    fps: o.fps,
    cascade,
    display: 'port',
    launcher,
    // At every (re)start of a channel's process: one end to the worker, the other to the window.
    displayPort: (channel: number) => {
      const { port1, port2 } = new MessageChannelMain();
      target()?.postMessage(IPC.framePort, { channel }, [port2]);
      return port1;
    },
  });
  const host = new EngineHost(engine, { mode: 'electron', presetDir, cascade, relayFrames: false });
  host.extend(latencyHandlers(new LatencyService()));
  // Record / replay / export (issue 6), recordings in the user's documents folder.
  const recordReplay = attachRecordReplay(host, engine, {
    recordingsDir: process.env.SPECULA_RECORDINGS_DIR ?? join(app.getPath('documents'), 'Specula recordings'),
    cascadeOf: (ch) => host.cascadeOf(ch),
    replaySource: engine, // replay.open switches the engine from the sim device to the recording
  });
  const offIpc = registerBridgeIpc(ipcMain, host.handlers, (e) => isTrustedSender(e, target(), appUrl));
  const offEvents = forwardEvents(host, target);

  if (o.rendererUrl) await win.loadURL(o.rendererUrl);
  else await win.loadFile(join(o.mainDir, '..', 'renderer', 'index.html'));
  appUrl = win.webContents.getURL() || appUrl;

  let stopping: Promise<void> | null = null;
  return {
    window: win,
    engine,
    appUrl,
    stop() {
      stopping ??= (async () => {
        offIpc();
        offEvents();
        await recordReplay.close();
        host.close();
        await engine.stop();
      })();
      return stopping;
    },
  };
}
