/**
 * The measuring browser against Debian's Chromium (part of `npm test`, as for `specula latency`):
 * a page and its worker served from 127.0.0.1, errors collected from both, and no Network events.
 */
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdpEvent } from './cdp-connection';
import { HeadlessChromium, type HeadlessPage } from './headless-chromium';

const PAGE = `<!doctype html><title>t</title><script>
  globalThis.skewSeen = globalThis.__skew;
  fetch('/data').then(r => r.text()).then(t => { globalThis.data = t; });
  const w = new Worker('/worker.js');
  w.onmessage = (e) => { globalThis.fromWorker = e.data; };
  console.error('page says no');
  globalThis.ready = true;
</script>`;
const WORKER = `postMessage('hi'); setTimeout(() => { throw new Error('worker boom'); }, 50);`;

let server: Server;
let base = '';
let browser: HeadlessChromium;
let page: HeadlessPage;
const events: CdpEvent[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = req.url === '/worker.js' ? WORKER : req.url === '/data' ? 'payload' : PAGE;
    res.writeHead(200, { 'content-type': req.url === '/worker.js' ? 'text/javascript' : 'text/html' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await HeadlessChromium.launch({ executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 320, height: 200 }, args: ['--no-sandbox'] });
  browser.cdp.onEvent((e) => events.push(e));
  page = await browser.newPage({ width: 320, height: 200 });
  await page.addInitScript((v: number) => {
    (globalThis as unknown as { __skew: number }).__skew = v;
  }, 42);
  await page.goto(`${base}/`);
  await page.waitForFunction(() => (globalThis as unknown as { data?: string; fromWorker?: string }).data === 'payload' && (globalThis as unknown as { fromWorker?: string }).fromWorker === 'hi', 20_000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('HeadlessChromium', () => {
  it('names its version and evaluates in the page, after the init script ran', async () => {
    expect(browser.version).toMatch(/^\d+\.\d+\./);
    expect(await page.evaluate(() => (globalThis as unknown as { skewSeen: number }).skewSeen)).toBe(42);
    expect(await page.evaluate(() => Promise.resolve(6 * 7))).toBe(42);
  });

  it('rejects an evaluation that throws with the page exception', async () => {
    await expect(page.evaluate(() => {
      throw new Error('boom');
    })).rejects.toThrow('page: Error: boom');
  });

  it('collects the page console errors and the worker exceptions', async () => {
    await page.waitForFunction(() => true, 1000);
    const until = Date.now() + 10_000;
    while (!page.problems.some((p) => p.kind === 'exception') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(page.problems).toContainEqual({ kind: 'console-error', text: 'page says no' });
    expect(page.problems.find((p) => p.kind === 'exception')?.text).toMatch(/worker boom/);
  });

  it('receives no Network events (the domain that would copy every socket message is never enabled)', () => {
    expect(events.some((e) => e.method === 'Runtime.consoleAPICalled')).toBe(true);
    expect(events.filter((e) => e.method.startsWith('Network.')).map((e) => e.method)).toEqual([]);
  });

  it('times out a wait with a message, and takes a PNG screenshot', async () => {
    await expect(page.waitForFunction(() => false, 300)).rejects.toThrow('timed out after 0.3 s waiting for the page');
    const dir = mkdtempSync(join(tmpdir(), 'cdp-shot-'));
    try {
      await page.screenshot(join(dir, 'a.png'));
      expect([...readFileSync(join(dir, 'a.png')).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a trace of the browser', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdp-trace-'));
    try {
      await browser.startTracing(['toplevel']);
      await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
      await browser.stopTracing(join(dir, 't.json'));
      const t = JSON.parse(readFileSync(join(dir, 't.json'), 'utf8')) as { traceEvents: unknown[] };
      expect(t.traceEvents.length).toBeGreaterThan(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('fails to launch with a message naming the binary', async () => {
    await expect(HeadlessChromium.launch({ executablePath: '/nonexistent/chromium', headless: true, viewport: { width: 10, height: 10 }, timeoutMs: 5000 })).rejects.toThrow('/nonexistent/chromium');
  });

  it('a wait on a page that stops answering times out; closing ends the browser and removes its profile', async () => {
    const b = await HeadlessChromium.launch({ executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 100, height: 100 }, args: ['--no-sandbox'] });
    expect(existsSync(b.userDataDir)).toBe(true);
    const p = await b.newPage({ width: 100, height: 100 });
    const hung = p.evaluate(() => {
      for (;;); // a main thread that never comes back
    }).catch((e: Error) => e.message);
    const t0 = Date.now();
    await expect(p.waitForFunction(() => true, 500)).rejects.toThrow('timed out after 0.5 s waiting for the page');
    expect(Date.now() - t0).toBeLessThan(3000);
    await b.close();
    expect(b.running).toBe(false);
    expect(await hung).toMatch(/^Runtime.evaluate: the browser (exited|closed its DevTools pipe)$/);
    expect(existsSync(b.userDataDir)).toBe(false);
    await expect(b.cdp.send('Browser.getVersion')).rejects.toThrow(/^Browser.getVersion: the browser (exited|closed its DevTools pipe)$/);
  }, 30_000);
});
