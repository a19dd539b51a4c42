/// <reference lib="dom" />
/**
 * The workbench in web mode against a real `specula serve` (4 channels, 30 fps).
 */
import { expect, test, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { checkContextLoss, checkDisplaysAgree, checkFocusAndColormap, checkKilledWorker, checkLoadsAndUpdates, checkStall, shot, type Call } from './support/checks';
import { received, tilePixels, waitForFrames } from './support/page-helpers';
import { startServe, type Served } from './support/serve';

test.describe.configure({ mode: 'serial' });

let served: Served;
let page: Page;
let call: Call;

test.beforeAll(async ({ browser }) => {
  served = await startServe();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
  call = async (method, params = {}) => {
    const r = await fetch(`${served.baseUrl}api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-specula-token': served.token }, body: JSON.stringify(params) });
    const j = (await r.json()) as any;
    if (!j.ok) throw new Error(`${method}: ${j.error.code}: ${j.error.message}`);
    return j.result;
  };
  await page.goto(served.url);
});

test.afterAll(async () => {
  await page?.close();
  await served?.stop();
});

test('loads with 4 channels whose pixels change', async () => {
  await checkLoadsAndUpdates(page, 'web');
  await expect(page.getByTestId('status-connection')).toContainText('connected (web)');
});

test('a stalled channel shows STALE within 100 ms + one frame; the others keep updating', async () => {
  await checkStall(page, call, 1, 'web');
});

test('a killed worker is shown down and comes back', async () => {
  // A real SIGKILL from outside, as a crash would be (the JS stand-in has no processes: it fakes one).
  const sim = process.env.SPECULA_E2E_SERVER === 'sim';
  await checkKilledWorker(page, call, 2, 'web', (pid) => (sim ? call('worker.kill', { channel: 2 }) : void process.kill(pid, 'SIGKILL')));
});

test('focus view and colormaps change the picture; freeze is marked FROZEN', async () => {
  await checkFocusAndColormap(page, 'web');
});

test('focus view: only the focused channel is sent; back in the grid the others say RESUMING, not STALE, until their frames come', async () => {
  await waitForFrames(page, [0, 1, 2, 3], 5);
  await page.keyboard.press('2');
  await expect(page.locator('[data-testid^="tile-"]')).toHaveCount(1);
  await page.waitForTimeout(300); // frames already on their way land
  const a = await received(page);
  await page.waitForTimeout(1000);
  const b = await received(page);
  expect(b[1] - a[1], 'the focused channel keeps coming').toBeGreaterThan(10);
  for (const ch of [0, 2, 3]) expect(b[ch] - a[ch], `hidden channel ${ch} is not sent`).toBe(0);
  // Every signal the returning tiles show, from their first paint on.
  await page.evaluate(() => {
    const w = window as any;
    w.__signals = [] as string[];
    w.__sigObs = new MutationObserver((ms) => {
      for (const m of ms) {
        const el = m.target as HTMLElement;
        const sig = el.dataset?.signal;
        if (!sig) continue;
        const title = el.querySelector('[data-role="overlay-title"]')?.textContent ?? '';
        w.__signals.push(`${el.dataset.testid}:${sig}${sig === 'held' ? `(${title})` : ''}`);
      }
    });
    w.__sigObs.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-signal'] });
  });
  await page.keyboard.press('Escape');
  await expect(page.locator('[data-testid^="tile-"]')).toHaveCount(4);
  await waitForFrames(page, [0, 2, 3], Math.max(b[0], b[2], b[3]) + 3);
  await expect.poll(() => page.evaluate(() => [0, 1, 2, 3].map((c) => document.querySelector<HTMLElement>(`[data-testid="tile-${c}"]`)?.dataset.signal)), { timeout: 5000 }).toEqual(['live', 'live', 'live', 'live']);
  const seen = (await page.evaluate(() => {
    const w = window as any;
    w.__sigObs.disconnect();
    return w.__signals;
  })) as string[];
  console.log(`focus view, signals of the returning tiles: ${seen.join(' ')}`);
  // An old image is said to be old (RESUMING) rather than passed off as live or called a lost
  // signal; a STALE can only follow it if no frame came within 3 periods (a loaded machine). A tile
  // whose first new frame beat its first paint may go straight to live, but not all three.
  const firsts = [0, 2, 3].map((ch) => seen.find((x) => x.startsWith(`tile-${ch}:`)));
  for (const f of firsts) if (f && !f.endsWith(':live')) expect(f, seen.join(' ')).toMatch(/^tile-\d:held\(RESUMING — not live\)$/);
  expect(firsts.filter((f) => f?.includes(':held(RESUMING')).length, seen.join(' ')).toBeGreaterThan(0);
});

test('the display is chosen for the machine: Canvas 2D where WebGL runs on the CPU, said in the status bar', async () => {
  const d = (await page.evaluate(() => (window as any).__specula.ui.getState().display)) as { kind: string; renderer: string | null; reason: string };
  // The choice is the probe's (a WebGL that failed to start would say so and fail this), and
  // SwiftShader, Chromium's CPU WebGL that this machine has, means Canvas 2D.
  if (d.renderer !== null && /swiftshader/i.test(d.renderer)) expect(d.kind).toBe('canvas2d');
  expect(d.reason).toBe(d.kind === 'webgl' ? `GPU: ${d.renderer}` : d.renderer === null ? 'WebGL is not available' : `WebGL runs on the CPU here (${d.renderer}): Canvas 2D costs less`);
  await expect(page.getByTestId('status-display')).toHaveText(d.kind === 'webgl' ? 'display WebGL' : 'display Canvas 2D');
  await expect(page.getByTestId('status-display')).toHaveAttribute('title', d.reason);
});

test('WebGL context loss is shown and recovered', async ({ browser }) => {
  // On WebGL whatever the machine would choose (only WebGL can lose its context on purpose).
  const gl = await browser.newPage();
  try {
    await gl.goto(`${served.url}&display=webgl`);
    await expect(gl.getByTestId('status-display')).toHaveText('display WebGL', { timeout: 20_000 });
    await checkContextLoss(gl, 'web');
  } finally {
    await gl.close();
  }
});

test('cascade panel shows stages and the engine error for a bad parameter', async () => {
  await page.getByTestId('tile-0').click();
  await page.keyboard.press('Escape');
  await page.getByTestId('panel-cascade').click();
  await expect(page.getByTestId('cascade-panel')).toContainText('s1');
  // A value the engine must refuse: its validation message is shown, the old cascade keeps running.
  const input = page.getByTestId('param-s7-lines');
  await input.fill('-5');
  await input.press('Enter');
  await expect(page.getByTestId('cascade-error')).toContainText('engine refused the cascade', { timeout: 10_000 });
  await expect(page.getByTestId('overlay-0')).toBeHidden();
  await shot(page, 'web-cascade-panel');
  await page.getByTestId('panel-cascade').click();
});

test('requests without the token are refused (HTTP and WebSocket)', async () => {
  for (const path of ['', 'index.html', 'api/health.get', 'api/channels.list?token=wrong']) {
    const r = await fetch(served.baseUrl + path);
    expect(r.status, `/${path}`).toBe(401);
  }
  const r = await fetch(`${served.baseUrl}api/device.pause`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-specula-token': 'x' + served.token }, body: '{"paused":true}' });
  expect(r.status).toBe(401);
  const code = await new Promise<number>((res) => {
    const ws = new WebSocket(`${served.baseUrl.replace('http', 'ws')}ws`);
    ws.on('unexpected-response', (_q, resp) => res(resp.statusCode ?? 0));
    ws.on('open', () => res(101));
    ws.on('error', () => res(-1));
  });
  expect(code).not.toBe(101);
  // With the token the API answers.
  expect(Array.isArray(await call('channels.list'))).toBe(true);
});

test('replay panel: the sample recording replaces the live channels, tiles update on step, ✕ live brings them back', async () => {
  const sample = ((await call('recordings.list')) as { name: string; path: string }[]).find((f) => f.name === 'sample.mcap');
  expect(sample, 'resources/recordings/sample.mcap is listed').toBeTruthy();
  await page.getByLabel('recording', { exact: true }).selectOption(sample!.path);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByTestId('timeline')).toBeVisible({ timeout: 20_000 });
  // The engine switched its source: the sample's 2 channels (16 × 1024), not the 4 live ones.
  await expect(page.locator('[data-testid^="tile-"]')).toHaveCount(2, { timeout: 20_000 });
  await expect(page.getByTestId('status-bar')).toContainText('replay sample.mcap');
  // Paused on frame 1; a step publishes the next frame through the workers.
  const step = async (frameNo: number) => {
    const before = await received(page);
    await page.getByTitle('step forward one frame').click();
    await expect(page.getByTestId('timeline')).toContainText(`frame ${frameNo} /`);
    // (Channel 1 is phase-staggered: its frame at the primary channel's time may not change on every step.)
    await waitForFrames(page, [0], (before[0] ?? 0) + 1);
  };
  await step(2);
  const a = await tilePixels(page, 0);
  await step(3);
  await step(4);
  await expect.poll(async () => (await tilePixels(page, 0)).hash, { timeout: 10_000 }).not.toBe(a.hash);
  // Paused replay: not live, and said so for what it is (not a lost signal).
  await expect(page.getByTestId('tile-0')).toContainText('REPLAY PAUSED — not live', { timeout: 5_000 });
  await expect(page.getByTestId('tile-0')).not.toContainText('STALE');
  await shot(page, 'web-replay-sample');
  await checkDisplaysAgree(() => page.context().browser()!.newPage(), served.url, () => call('replay.control', { op: 'step', frames: 1 }), 0);
  await page.getByRole('button', { name: '✕ live' }).click();
  await expect(page.getByTestId('timeline')).toBeHidden({ timeout: 20_000 });
  await expect(page.locator('[data-testid^="tile-"]')).toHaveCount(4, { timeout: 20_000 });
  const r1 = await received(page);
  await waitForFrames(page, [0, 1, 2, 3], Math.max(...Object.values(r1)) + 3);
});
