import { beforeEach, describe, expect, it, vi } from 'vitest';

const m = vi.hoisted(() => {
  const windows: any[] = [];
  const ipcHandlers = new Map<string, (...a: any[]) => any>();
  return {
    windows,
    ipcHandlers,
    engineStart: vi.fn(),
    engineStop: vi.fn(async () => undefined),
  };
});

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  class BrowserWindow extends EventEmitter {
    webContents: any;
    constructor(readonly opts: any) {
      super();
      this.webContents = Object.assign(new EventEmitter(), { postMessage: vi.fn(), send: vi.fn(), isDestroyed: () => false, getURL: () => 'file:///app/out/renderer/index.html' });
      m.windows.push(this);
    }
    isDestroyed() { return false; }
    loadFile = vi.fn(async () => undefined);
    loadURL = vi.fn(async () => undefined);
    show = vi.fn();
  }
  class MessageChannelMain {
    port1 = { name: 'port1' };
    port2 = { name: 'port2' };
  }
  return {
    app: Object.assign(new EventEmitter(), { getPath: () => '/tmp/specula-test-docs' }),
    BrowserWindow,
    MessageChannelMain,
    ipcMain: { handle: (ch: string, h: any) => m.ipcHandlers.set(ch, h), removeHandler: (ch: string) => m.ipcHandlers.delete(ch) },
    session: { defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn(), webRequest: { onHeadersReceived: vi.fn() } } },
    utilityProcess: { fork: vi.fn() },
  };
});

vi.mock('../engine/engine', () => ({
  Engine: {
    start: async (opts: any) => {
      m.engineStart(opts);
      return {
        info: { channels: [0, 1], fps: 30, lines: 600, samples: 1024 },
        onHealth: () => () => undefined,
        stop: m.engineStop,
        native: { monotonicNs: () => 1 },
        health: () => [],
      };
    },
  },
}));

import { IPC } from '../shared/bridge';
import { startShell } from './app';

describe('Electron shell wiring (mocked electron)', () => {
  beforeEach(() => {
    m.windows.length = 0;
    m.ipcHandlers.clear();
    m.engineStart.mockClear();
  });

  it('creates a hardened window, starts the engine in port mode and hands each worker port to the window', async () => {
    const shell = await startShell({ mainDir: '/app/out/main', channels: 2, fps: 30, cascade: 'light' });
    const win = m.windows[0];
    expect(win.opts.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: '/app/out/preload/index.cjs' });
    expect(win.loadFile).toHaveBeenCalledWith('/app/out/renderer/index.html');
    const opts = m.engineStart.mock.calls[0][0];
    expect(opts).toMatchObject({ channels: 2, fps: 30, display: 'port' });
    expect(opts.launcher.kind).toBe('utility');
    expect(opts.cascade.name).toBe('light');
    // A (re)started worker gets port1; the window gets port2 with the channel id.
    const workerEnd = opts.displayPort(1);
    expect(workerEnd).toEqual({ name: 'port1' });
    expect(win.webContents.postMessage).toHaveBeenCalledWith(IPC.framePort, { channel: 1 }, [{ name: 'port2' }]);
    // Control IPC is registered and checks the sender.
    const invoke = m.ipcHandlers.get(IPC.call)!;
    const top = { parent: null, url: 'file:///app/out/renderer/index.html' };
    await expect(invoke({ sender: win.webContents, senderFrame: top }, 'channels.list', {})).resolves.toMatchObject({ ok: true, result: [{ channel: 0 }, { channel: 1 }] });
    await expect(invoke({ sender: {}, senderFrame: top }, 'channels.list', {})).resolves.toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    await shell.stop();
    expect(m.engineStop).toHaveBeenCalledOnce();
    expect(m.ipcHandlers.has(IPC.call)).toBe(false);
  });
});
