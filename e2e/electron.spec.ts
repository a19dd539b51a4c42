/// <reference lib="dom" />
/**
 * The same workbench checks against the Electron app (`_electron`), wherever an Electron binary
 * exists. Here (no binary can be downloaded) it skips with the reason.
 */
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkFocusAndColormap, checkKilledWorker, checkLoadsAndUpdates, checkStall, type Call } from './support/checks';
import { ROOT } from './support/serve';

function electronBinary(): { path: string | null; why: string } {
  // Look before requiring: `require('electron')` without a binary starts a download, then throws.
  try {
    const req = createRequire(import.meta.url);
    const dir = dirname(req.resolve('electron/package.json'));
    const pathTxt = join(dir, 'path.txt');
    if (!existsSync(pathTxt)) return { path: null, why: 'no Electron binary installed here (node_modules/electron/path.txt missing)' };
    const bin = join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim());
    if (!existsSync(bin)) return { path: null, why: `Electron binary ${bin} missing` };
    const p = req('electron') as unknown;
    if (typeof p === 'string' && existsSync(p)) return { path: p, why: '' };
    return { path: null, why: `electron resolves to ${String(p)}, which does not exist` };
  } catch (e) {
    return { path: null, why: `no Electron binary here: ${String((e as Error).message).split('\n')[0]}` };
  }
}

const bin = electronBinary();
const built = existsSync(resolve(ROOT, 'out/main/index.js'));

test.describe.configure({ mode: 'serial' });
test.skip(!bin.path, bin.why);
test.skip(!built, 'app not built (run npm run build)');

let app: ElectronApplication;
let page: Page;
let call: Call;

test.beforeAll(async () => {
  app = await electron.launch({ executablePath: bin.path!, args: [ROOT], cwd: ROOT, env: { ...process.env, SPECULA_CHANNELS: '4', SPECULA_FPS: '30' } as Record<string, string> });
  page = await app.firstWindow();
  call = async (method, params = {}) => {
    const o = await page.evaluate(([m, p]) => (window as any).specula.invoke(m, p), [method, params] as const);
    if (!o.ok) throw new Error(`${method}: ${o.error.code}: ${o.error.message}`);
    return o.result;
  };
});

test.afterAll(async () => {
  await app?.close();
});

test('window is isolated: no Node, only the narrow API', async () => {
  const probe = await page.evaluate(() => ({ require: typeof (window as any).require, process: typeof (window as any).process, api: Object.keys((window as any).specula ?? {}).sort() }));
  expect(probe).toEqual({ require: 'undefined', process: 'undefined', api: ['invoke', 'mode', 'on'] });
});

test('loads with 4 channels whose pixels change', async () => {
  await checkLoadsAndUpdates(page, 'electron');
});

test('a stalled channel shows STALE within 100 ms + one frame; the others keep updating', async () => {
  await checkStall(page, call, 1, 'electron');
});

test('a killed worker is shown down and comes back', async () => {
  await checkKilledWorker(page, call, 2, 'electron', (pid) => {
    process.kill(pid, 'SIGKILL');
  });
});

test('focus view and colormaps change the picture', async () => {
  await checkFocusAndColormap(page, 'electron');
});
