/**
 * Where the page's main-thread time goes, per display frame, without the engine's CPU load: serves
 * the workbench with the JS stand-in host (`sim-host.ts`) and drives Debian's Chromium through CDP
 * (Performance metrics for the main thread's task time, Profiler for a sampled CPU profile).
 *
 *   npx tsx e2e/support/profile-page.ts --channels 16 --seconds 8 [--w 256 --h 512 --dtype f32]
 *       [--renderer out/renderer] [--latency-panel] [--screenshot FILE] [--display auto|webgl|canvas2d]
 *
 * Prints one JSON object: frames received/drawn on the page, main-thread busy ms per received frame
 * and per second, the top functions by self time, and (with the latency ledger of the stand-in) how
 * many presented rows carried the renderer's received/uploaded stamps.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS } from '../playwright.config';
import { ROOT } from './serve';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] && !process.argv[i + 1].startsWith('--') ? process.argv[i + 1] : dflt;
}
const has = (name: string) => process.argv.includes(`--${name}`);

const channels = Number(arg('channels', '16'));
const seconds = Number(arg('seconds', '8'));
const warmup = Number(arg('warmup', '4'));
const renderer = resolve(ROOT, arg('renderer', 'out/renderer'));
if (!(channels >= 1 && channels <= 64)) throw new Error(`--channels must be 1..64, got ${arg('channels', '')}`);

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

async function main(): Promise<void> {
  const env = { ...process.env, CHANNELS: String(channels), SIM_W: arg('w', '256'), SIM_H: arg('h', '160'), SIM_DTYPE: arg('dtype', 'u8'), SIM_RENDERER: renderer };
  const host = spawn(resolve(ROOT, 'node_modules/.bin/tsx'), [resolve(ROOT, 'e2e/support/sim-host.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const t = setTimeout(() => rej(new Error('sim host printed no URL within 30 s')), 30_000);
    host.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        res(m[1]);
      }
    });
    host.once('exit', (c) => rej(new Error(`sim host exited with ${c}`)));
  });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS, headless: !has('headed') });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const display = arg('display', 'auto');
    await page.goto(display === 'auto' ? url : `${url}${url.includes('?') ? '&' : '?'}display=${display}`);
    await page.waitForFunction(() => (globalThis as any).__specula?.ui.getState().connected === true, null, { timeout: 30_000 });
    if (has('latency-panel')) await page.evaluate(() => (globalThis as any).__specula.ui.getState().set({ panel: 'latency' }));
    await page.waitForTimeout(warmup * 1000);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
    const read = () =>
      page.evaluate(() => {
        const c = (globalThis as any).__specula.controller;
        let received = 0;
        for (const s of c.store.all()) received += s.received;
        return { received, ...c.stats };
      });
    const metrics = async () => Object.fromEntries(((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.map((m) => [m.name, m.value]));
    if (has('reset-latency')) await page.evaluate(() => (globalThis as any).__specula.bridge.call('latency.reset', { warmupMs: 0 }));
    const m0 = await metrics();
    const s0 = await read();
    await cdp.send('Profiler.start');
    const tracePath = has('trace') ? arg('trace', 'test-results/page-trace.json') : null;
    if (tracePath) await browser.startTracing(page, { path: tracePath, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'blink', 'gpu', 'cc', 'viz'] });
    await page.waitForTimeout(seconds * 1000);
    if (tracePath) await browser.stopTracing();
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: Profile };
    const m1 = await metrics();
    const s1 = await read();
    const d = (k: string) => (m1[k] - m0[k]) * 1000;
    const frames = s1.received - s0.received;
    const draws = s1.draws - s0.draws;
    // Self time per function from the sampled profile.
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      const n = byId.get(id)!;
      const dt = (profile.timeDeltas[i] ?? 0) / 1000;
      total += dt;
      const f = n.callFrame;
      const key = `${f.functionName || '(anon)'} ${f.url ? f.url.split('/').pop() + ':' + (f.lineNumber + 1) : ''}`.trim();
      self.set(key, (self.get(key) ?? 0) + dt);
    });
    const top = [...self].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, ms]) => ({ fn: k, ms: Math.round(ms), perFrameMs: +(ms / Math.max(1, frames)).toFixed(3) }));
    let stamps: unknown = null;
    if (has('latency-panel') || has('reset-latency')) {
      const snap = await page.evaluate(() => (globalThis as any).__specula.bridge.call('latency.snapshot', {}));
      const o = snap.overall;
      stamps = { presented: o.presented, sentToReceived: o.segments[4].count, receivedToUploaded: o.segments[5].count, endToEnd: o.segments[7].count, e2eP50Ms: o.segments[7].p50Ms, e2eP99Ms: o.segments[7].p99Ms };
    }
    // GPU cost of one full draw, isolated from pacing: a full redraw and read-back of one tile, 10×
    // (the GL worker draws; the read-back waits for the draw to finish).
    const drawFinishMs = await page.evaluate(async () => {
      const c = (globalThis as any).__specula.controller;
      const ch = c.ui.channels[0]?.channel;
      await c.readTile(ch);
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) await c.readTile(ch);
      return [(performance.now() - t0) / 10];
    });
    const hud = await page.evaluate(() => Array.from(document.querySelectorAll('[data-role="lat"]')).slice(0, 3).map((e) => e.textContent));
    if (has('screenshot')) await page.screenshot({ path: arg('screenshot', 'test-results/profile.png') });
    const out = {
      channels, seconds, frame: `${arg('w', '256')}x${arg('h', '160')} ${arg('dtype', 'u8')}`, renderer,
      pageFramesPerS: +(frames / seconds).toFixed(1), drawsPerS: +(draws / seconds).toFixed(1),
      mainThreadBusyPct: +((d('TaskDuration') / (seconds * 1000)) * 100).toFixed(1),
      msPerFrame: { task: +(d('TaskDuration') / Math.max(1, frames)).toFixed(3), script: +(d('ScriptDuration') / Math.max(1, frames)).toFixed(3), layout: +(d('LayoutDuration') / Math.max(1, frames)).toFixed(3), style: +(d('RecalcStyleDuration') / Math.max(1, frames)).toFixed(3) },
      drawMsMean: +((s1.frameMsSum - s0.frameMsSum) / Math.max(1, draws)).toFixed(3),
      drawFinishMs: drawFinishMs.map((x: number) => +x.toFixed(2)), canvas: await page.evaluate(() => { const c = document.querySelector('canvas')!; return `${c.width}x${c.height}`; }), profiledMs: Math.round(total), top, stamps, hud,
    };
    console.log(JSON.stringify(out, null, has('pretty') ? 1 : 0));
  } finally {
    await browser.close();
    host.kill('SIGTERM');
  }
}

await main();
