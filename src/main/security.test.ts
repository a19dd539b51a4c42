import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import { APP_CSP, hardenSession, hardenWebContents, isAppUrl, isTrustedSender, secureWebPreferences } from './security';

describe('Electron security checklist', () => {
  it('turns on isolation and sandbox, off node integration and webviews', () => {
    const w = secureWebPreferences('/app/out/preload/index.cjs');
    expect(w).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false });
  });

  it('denies every permission and sets the CSP on every response', () => {
    const s = { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn(), webRequest: { onHeadersReceived: vi.fn() } };
    hardenSession(s as never);
    const cb = vi.fn();
    s.setPermissionRequestHandler.mock.calls[0][0]({}, 'media', cb);
    expect(cb).toHaveBeenCalledWith(false);
    expect(s.setPermissionCheckHandler.mock.calls[0][0]()).toBe(false);
    const hcb = vi.fn();
    s.webRequest.onHeadersReceived.mock.calls[0][0]({ responseHeaders: { a: ['b'] } }, hcb);
    expect(hcb).toHaveBeenCalledWith({ responseHeaders: { a: ['b'], 'Content-Security-Policy': [APP_CSP] } });
    expect(APP_CSP).toMatch(/default-src 'self'/);
    expect(APP_CSP).not.toMatch(/unsafe-inline'[^;]*script|script-src[^;]*unsafe-inline/);
  });

  it('blocks navigation away from the app, new windows and webviews', () => {
    const wc = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn() });
    hardenWebContents(wc as never, () => 'file:///app/out/renderer/index.html');
    const ev = () => ({ preventDefault: vi.fn() });
    const away = ev();
    wc.emit('will-navigate', away, 'https://evil.example/');
    expect(away.preventDefault).toHaveBeenCalled();
    const fileAway = ev();
    wc.emit('will-navigate', fileAway, 'file:///etc/passwd');
    expect(fileAway.preventDefault).toHaveBeenCalled();
    const reload = ev();
    wc.emit('will-navigate', reload, 'file:///app/out/renderer/index.html');
    expect(reload.preventDefault).not.toHaveBeenCalled();
    expect(wc.setWindowOpenHandler.mock.calls[0][0]({ url: 'https://x' })).toEqual({ action: 'deny' });
    const wv = ev();
    wc.emit('will-attach-webview', wv);
    expect(wv.preventDefault).toHaveBeenCalled();
  });

  it('validates IPC senders: the main window, top frame, app page only', () => {
    const main = {};
    const app = 'http://localhost:5173/';
    const top = { parent: null, url: 'http://localhost:5173/index.html' };
    expect(isTrustedSender({ sender: main, senderFrame: top } as never, main as never, app)).toBe(true);
    expect(isTrustedSender({ sender: {}, senderFrame: top } as never, main as never, app)).toBe(false);
    expect(isTrustedSender({ sender: main, senderFrame: { parent: top, url: top.url } } as never, main as never, app)).toBe(false);
    expect(isTrustedSender({ sender: main, senderFrame: { parent: null, url: 'https://evil.example/' } } as never, main as never, app)).toBe(false);
    expect(isTrustedSender({ sender: main, senderFrame: null } as never, main as never, app)).toBe(false);
    expect(isAppUrl('not a url', app)).toBe(false);
  });
});
