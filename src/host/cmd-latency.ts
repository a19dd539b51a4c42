/**
 * `specula latency` — end-to-end latency check, headless, with a pass/fail against a budget.
 *
 * Starts the web mode (the engine — or, with `--source fake`, a pure-JS frame source — behind the
 * real web server), opens the real workbench in Debian's Chromium (headless, driven over its
 * DevTools pipe: cdp/), opens the latency panel (which starts the renderer's latency probe), lets
 * it warm up, measures for `--duration` seconds from acquisition to the presented frame, then writes DIR/report.json and a
 * self-contained DIR/report.html, prints the summary table and exits 0 (PASS), 1 (FAIL: budget
 * exceeded, frames lost without being counted, nothing measured) or 2 (bad arguments / setup).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BridgeHandlers, ChannelInfo, EngineState } from '../shared/bridge';
import type { LatencyReport, LatencyRunConfig } from '../shared/latency';
import { latencyHandlers } from '../engine/latency/bridge-handlers';
import { engineNowNs } from '../engine/latency/clock';
import { FakeSource } from '../engine/latency/fake-source';
import { buildReport, formatSummary, machineInfo, writeReport } from '../engine/latency/report';
import { LatencyService } from '../engine/latency/service';
import type { BridgeHost, FrameLease } from './server/bridge-host';
import { findBuiltRenderer } from './server/renderer-dir';
import { parseNumberFlag } from './server/serve-args';
import type { PageProblem } from './cdp/headless-chromium';

export const LATENCY_USAGE = `usage: specula latency [options]

End-to-end latency check: web mode + headless Chromium, acquisition → presented frame.
Writes DIR/report.json and DIR/report.html, prints a summary, exits 1 on FAIL.

options:
  --channels N        optical channels (default 4)
  --fps F             frames per second per channel (default 30)
  --cascade NAME|FILE preset of resources/cascades/ or a cascade JSON file (default light)
  --duration S        measured seconds after warm-up (default 10)
  --warmup S          seconds ignored at start: JIT, shaders, clock sync (default 3)
  --budget MS         end-to-end budget (default 100)
  --percentile P      50, 95 or 99: the percentile judged against the budget (default 99)
  --report DIR        where report.json / report.html go (default ./latency-report)
  --source sim|fake   sim: the real engine (native device + cascade workers, default);
                      fake: a pure-JS frame source (tests the measurement chain itself)
  --processor auto|ts|fast  cascade implementation in the workers (sim; default: the engine's)
  --renderer DIR      built renderer to serve (default out/renderer)
  --chromium PATH     browser binary (default /usr/bin/chromium)
  --display auto|webgl|canvas2d  what draws the images (default auto: Canvas 2D where WebGL
                      runs on the CPU, as in headless Chromium without a GPU; WebGL on a GPU)
  --headed            show the browser window (needs a display)
  --screenshot        also save DIR/workbench.png (the workbench with the latency panel, at the end)
  --trace             also save DIR/trace.json: a Chromium performance trace of the measured
                      seconds (open in chrome://tracing or Perfetto; tracing itself costs CPU)
  --startup-timeout S wait at most S seconds for the first presented frame (default 90)
test knobs (fake source only, to check the measurement against known delays):
  --test-driver-offset-ms MS   acquisition stamped MS before the ring write
  --test-relay-delay-ms MS     frames held MS after "sent" (shows in sent→received)
  --test-cascade-ms MS         busy MS between pickedUp and cascadeDone
  --test-renderer-skew-ms MS   the page's clock (performance.now) shifted by MS
  --test-delay-channels LIST   channels the delays above apply to, e.g. 1,3 (default all)`;

export interface LatencyOptions {
  channels: number;
  fps: number;
  cascade: string;
  durationS: number;
  warmupS: number;
  budgetMs: number;
  percentile: 50 | 95 | 99;
  reportDir: string;
  source: 'sim' | 'fake';
  processor: 'auto' | 'ts' | 'fast' | null;
  renderer: string | null;
  chromium: string;
  /** The page's `?display=`: which display draws (`auto` lets the page choose). */
  display: 'auto' | 'webgl' | 'canvas2d';
  headed: boolean;
  screenshot: boolean;
  /** Record a Chromium trace of the measured window into DIR/trace.json. */
  trace: boolean;
  /** Seconds to wait for the page to connect and present a first frame. */
  startupS: number;
  test: { driverOffsetMs: number; relayDelayMs: number; cascadeMs: number; rendererSkewMs: number };
  delayChannels: number[] | null;
  help: boolean;
}

export function parseLatencyArgs(argv: string[]): LatencyOptions {
  const o: LatencyOptions = {
    channels: 4, fps: 30, cascade: 'light', durationS: 10, warmupS: 3, budgetMs: 100, percentile: 99, reportDir: 'latency-report',
    source: 'sim', processor: null, renderer: null, chromium: '/usr/bin/chromium', display: 'auto', headed: false, screenshot: false, trace: false, startupS: 90,
    test: { driverOffsetMs: 0, relayDelayMs: 0, cascadeMs: 0, rendererSkewMs: 0 }, delayChannels: null, help: false,
  };
  const num = parseNumberFlag;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const val = () => (a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : argv[++i]);
    const str = (what: string) => {
      const v = val();
      if (!v) throw new RangeError(`${flag} needs ${what}`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        o.help = true;
        break;
      case '--channels': o.channels = num(flag, val(), 1, 64, true); break;
      case '--fps': o.fps = num(flag, val(), 0.1, 1000); break;
      case '--cascade': o.cascade = str('a preset name or a cascade file'); break;
      case '--duration': o.durationS = num(flag, val(), 0.5, 86_400); break;
      case '--warmup': o.warmupS = num(flag, val(), 0, 3600); break;
      case '--budget': o.budgetMs = num(flag, val(), 0.1, 600_000); break;
      case '--percentile': {
        const p = num(flag, val(), 50, 99, true);
        if (p !== 50 && p !== 95 && p !== 99) throw new RangeError(`--percentile must be 50, 95 or 99, got ${p}`);
        o.percentile = p;
        break;
      }
      case '--report': o.reportDir = str('a directory'); break;
      case '--source': {
        const v = val();
        if (v !== 'sim' && v !== 'fake') throw new RangeError(`--source must be sim or fake, got ${JSON.stringify(v)}`);
        o.source = v;
        break;
      }
      case '--renderer': o.renderer = str('a directory'); break;
      case '--processor': {
        const v = val();
        if (v !== 'auto' && v !== 'ts' && v !== 'fast') throw new RangeError(`--processor must be auto, ts or fast, got ${JSON.stringify(v)}`);
        o.processor = v;
        break;
      }
      case '--chromium': o.chromium = str('a browser binary'); break;
      case '--display': {
        const v = val();
        if (v !== 'auto' && v !== 'webgl' && v !== 'canvas2d') throw new RangeError(`--display must be auto, webgl or canvas2d, got ${JSON.stringify(v)}`);
        o.display = v;
        break;
      }
      case '--headed': o.headed = true; break;
      case '--screenshot': o.screenshot = true; break;
      case '--trace': o.trace = true; break;
      case '--startup-timeout': o.startupS = num(flag, val(), 1, 3600); break;
      case '--test-driver-offset-ms': o.test.driverOffsetMs = num(flag, val(), 0, 9999); break;
      case '--test-relay-delay-ms': o.test.relayDelayMs = num(flag, val(), 0, 9999); break;
      case '--test-cascade-ms': o.test.cascadeMs = num(flag, val(), 0, 9999); break;
      case '--test-renderer-skew-ms': o.test.rendererSkewMs = num(flag, val(), -1e12, 1e12); break;
      case '--test-delay-channels': {
        const v = str('a comma-separated channel list');
        o.delayChannels = v.split(',').map((x) => num(flag, x.trim(), 0, 63, true));
        break;
      }
      default:
        throw new RangeError(`unknown option ${JSON.stringify(a)} (see specula latency --help)`);
    }
  }
  const t = o.test;
  if (o.source !== 'fake' && (t.driverOffsetMs || t.relayDelayMs || t.cascadeMs)) throw new RangeError('--test-driver-offset-ms, --test-relay-delay-ms and --test-cascade-ms need --source fake');
  return o;
}

/** The built renderer: `--renderer` (when it holds an index.html), else the one `findBuiltRenderer` finds. */
function findRenderer(given: string | null): string | null {
  if (given) return existsSync(join(resolve(given), 'index.html')) ? resolve(given) : null;
  return findBuiltRenderer();
}

/** What the run needs from a frame source: a BridgeHost plus how to stop it. */
interface Pipeline {
  host: BridgeHost;
  cascadeName: string;
  /** Measured values of the injected test delays (fake source), for the report. */
  testFacts?: () => Record<string, number>;
  stop(): Promise<void>;
}

/** The fake source behind the bridge: clock, channels, state, empty health. */
function fakePipeline(o: LatencyOptions, latency: LatencyService): Pipeline {
  const src = new FakeSource({ channels: o.channels, fps: o.fps, driverOffsetMs: o.test.driverOffsetMs, relayDelayMs: o.test.relayDelayMs, cascadeMs: o.test.cascadeMs, ...(o.delayChannels ? { delayChannels: o.delayChannels } : {}) });
  const state: EngineState = { running: true, paused: false, stalled: [], mode: 'web', budgetMs: o.budgetMs, source: 'fake' };
  const channels: ChannelInfo[] = src.channels.map((c) => ({ channel: c, label: `CH ${c}`, fps: o.fps, lines: 160, samples: 256, enabled: true, cascade: 'fake' }));
  const handlers: BridgeHandlers = {
    'engine.state': () => state,
    'engine.clock': () => ({ monotonicNs: engineNowNs() }),
    'channels.list': () => channels,
    'health.get': () => [],
    ...latencyHandlers(latency),
  };
  src.start();
  return {
    host: { handlers, onEvent: () => () => undefined, onFrame: (l) => src.onFrame(l as (f: FrameLease) => void) },
    cascadeName: 'fake (no cascade)',
    testFacts: (): Record<string, number> => (src.hold.count ? { relayHoldMinMs: src.hold.minNs / 1e6, relayHoldP50Ms: src.hold.quantileNs(0.5) / 1e6, relayHoldMaxMs: src.hold.maxNs / 1e6 } : {}),
    async stop() {
      src.stop();
    },
  };
}

/**
 * The real engine (native device, cascade workers, relay) behind the bridge, composed as
 * `specula serve` composes it (`web-engine-host.ts`): the page measured is the page users get.
 */
async function simPipeline(o: LatencyOptions, latency: LatencyService): Promise<Pipeline> {
  const [{ Engine }, { webEngineHost }, { findPresetDir, loadCascadeArg }] = await Promise.all([
    import('../engine/engine'),
    import('./server/web-engine-host'),
    import('./server/presets'),
  ]);
  const presetDir = findPresetDir();
  const cascade = loadCascadeArg(presetDir, o.cascade);
  const engine = await Engine.start({ channels: o.channels, fps: o.fps, cascade, ...(o.processor ? { processor: o.processor } : {}) });
  const web = webEngineHost(engine, { budgetMs: o.budgetMs, presetDir, cascade, latency });
  return {
    host: web.host,
    cascadeName: `${cascade.name ?? o.cascade}${o.processor ? ` (${o.processor} path)` : ''}`,
    async stop() {
      await web.close();
      await engine.stop();
    },
  };
}

export interface RunResult {
  report: LatencyReport;
  paths: { json: string; html: string };
  exitCode: number;
}

/** Set by SIGINT/SIGTERM: the run stops waiting and cleans up (no orphan workers, rings, browser). */
let abortReason: string | null = null;
const abortWaiters = new Set<() => void>();
function onSignal(sig: string): void {
  abortReason = `interrupted by ${sig}`;
  for (const w of abortWaiters) w();
}

/** Sleep that ends early (throwing) when the run is interrupted. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep, reject) => {
    if (abortReason) return reject(new Error(abortReason));
    const done = () => {
      clearTimeout(t);
      abortWaiters.delete(done);
      if (abortReason) reject(new Error(abortReason));
      else resolveSleep();
    };
    const t = setTimeout(done, ms);
    abortWaiters.add(done);
  });
}

/** A page call that fails clearly when the page's main thread does not answer in time. */
async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`the page did not answer ${what} within ${ms / 1000} s (main thread saturated?)`)), ms); })]);
  } finally {
    clearTimeout(t);
  }
}

function describeProblem(p: PageProblem): string {
  return `${p.kind === 'exception' ? 'page error' : 'console'}: ${p.text}`;
}

/** Run the whole check; throws with a clear message when it cannot run at all. */
export async function runLatency(o: LatencyOptions, log: (line: string) => void = (l) => console.error(l)): Promise<RunResult> {
  const root = findRenderer(o.renderer);
  if (!root) throw new Error(`the renderer is not built (no ${o.renderer ?? 'out/renderer'}/index.html): run \`npm run build\` first`);
  if (!existsSync(o.chromium)) throw new Error(`no browser at ${o.chromium} (apt-get install chromium, or pass --chromium PATH)`);
  const { startWebServer } = await import('./server/web-server');
  const { newToken } = await import('./server/token');
  const { HeadlessChromium } = await import('./cdp/headless-chromium');

  const latency = new LatencyService();
  const cleanups: (() => Promise<void> | void)[] = [];
  let problems: readonly PageProblem[] = [];
  try {
    const pipe = o.source === 'fake' ? fakePipeline(o, latency) : await simPipeline(o, latency);
    cleanups.push(() => pipe.stop());
    const host: BridgeHost = pipe.host;
    const server = await startWebServer({ host: '127.0.0.1', port: 0, token: newToken(), root, bridge: host });
    cleanups.push(() => server.close());
    log(`specula latency: ${o.source} source, ${o.channels} ch @ ${o.fps} fps, serving ${server.baseUrl}`);

    // Not Playwright: it would enable DevTools' Network domain in the page's workers and get every
    // frame of the WebSocket copied to it (cdp/cdp-connection.ts), a load no clinician's browser has.
    const viewport = { width: 1280, height: 800 };
    const browser = await HeadlessChromium.launch({
      executablePath: o.chromium,
      headless: !o.headed,
      viewport,
      args: ['--no-sandbox', '--disable-quic', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
    });
    cleanups.push(() => browser.close());
    const page = await browser.newPage(viewport);
    problems = page.problems;
    if (o.test.rendererSkewMs) {
      // The page's clock shifted on purpose: the clock sync must absorb it.
      await page.addInitScript((skew: number) => {
        const now = performance.now.bind(performance);
        performance.now = () => now() + skew;
      }, o.test.rendererSkewMs);
    }
    if (abortReason) throw new Error(abortReason);
    await page.goto(o.display === 'auto' ? server.url : `${server.url}&display=${o.display}`);
    await page.waitForFunction(() => (globalThis as unknown as { __specula?: { ui: { getState(): { connected: boolean } } } }).__specula?.ui.getState().connected === true, o.startupS * 1000);
    // Opening the latency panel starts the renderer's probe (it keeps running afterwards).
    // Through the UI store rather than a click: no layout or hit-testing needed from a page that
    // many channels may keep busy.
    const opened = await within('opening the latency panel', o.startupS * 1000, page.evaluate(() => {
      const ui = (globalThis as unknown as { __specula?: { ui?: { getState(): { set(p: { panel: string }): void } } } }).__specula?.ui;
      if (!ui) return false;
      ui.getState().set({ panel: 'latency' });
      return true;
    }));
    if (!opened) throw new Error('the page has no UI store to open the latency panel with (is this a Specula renderer build?)');
    try {
      await page.waitForFunction(() => ((globalThis as unknown as { __speculaLatency?: { presentedCount: number } }).__speculaLatency?.presentedCount ?? 0) > 0, o.startupS * 1000);
    } catch {
      // Say what the page got that far, if it still answers.
      const state = await within('a state query', 10_000, page.evaluate(() => {
        const g = globalThis as unknown as { __speculaLatency?: unknown; __specula?: { controller?: { stats?: { draws: number; uploads: number }; clock?: { offsetMs: number } } } };
        const c = g.__specula?.controller;
        return `probe ${g.__speculaLatency ? 'installed' : 'missing'}, ${c?.stats?.uploads ?? '?'} uploads, ${c?.stats?.draws ?? '?'} draws, display clock ${Number.isNaN(c?.clock?.offsetMs) ? 'not synced' : 'synced'}`;
      })).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
      throw new Error(`no frame was presented within ${o.startupS} s (${state})${problems.length ? '\n  ' + problems.slice(0, 5).map(describeProblem).join('\n  ') : ''}`);
    }
    log(`specula latency: frames presented; warming up ${o.warmupS} s, then measuring ${o.durationS} s`);
    latency.reset(o.warmupS * 1000);
    if (o.trace) {
      await sleep(o.warmupS * 1000);
      mkdirSync(o.reportDir, { recursive: true });
      // Thread-level task times of every Chromium process (toplevel), plus what the page, the
      // compositor and the display compositor did with each frame.
      await browser.startTracing(['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc', 'viz', 'gpu']);
      await sleep(o.durationS * 1000);
    } else {
      await sleep((o.warmupS + o.durationS) * 1000);
    }
    const tEnd = engineNowNs();
    latency.ledger.endWindow(tEnd);
    // After the window: collecting and writing the trace loads the cores being measured.
    if (o.trace) await browser.stopTracing(join(o.reportDir, 'trace.json'));
    // Let the acks of frames acquired before tEnd arrive (the probe flushes every 250 ms).
    const extra: string[] = [];
    // A saturated page may not answer: the acks already received still make a report (a FAIL).
    let diag: { presented: number; acks: number; sendErrors: number; lastSendError: string | null } | null = null;
    let pageAnswers = true;
    try {
      await within('the final flush', 20_000, page.evaluate(() => (globalThis as unknown as { __speculaLatency?: { flush(): void } }).__speculaLatency?.flush()));
      await sleep(600);
      diag = await within('the probe diagnostics', 20_000, page.evaluate(() => {
        const p = (globalThis as unknown as { __speculaLatency?: { presentedCount: number; acksSent: number; sendErrors: number; lastSendError: string | null } }).__speculaLatency;
        return p ? { presented: p.presentedCount, acks: p.acksSent, sendErrors: p.sendErrors, lastSendError: p.lastSendError } : null;
      }));
    } catch (e) {
      if (abortReason) throw e;
      pageAnswers = false;
      extra.push(`${e instanceof Error ? e.message : String(e)}: the statistics cover the acks received until then`);
    }
    if (latency.acks === 0 || (pageAnswers && (!diag || diag.acks === 0))) extra.push('the renderer sent no latency ack');
    if (diag && diag.sendErrors > 0) extra.push(`${diag.sendErrors} ack(s) failed to reach the engine: ${diag.lastSendError}`);
    const config: LatencyRunConfig = {
      mode: o.source === 'fake' ? 'fake' : 'live',
      channels: o.channels, fps: o.fps, cascade: pipe.cascadeName, durationS: o.durationS, warmupS: o.warmupS, budgetMs: o.budgetMs, percentile: o.percentile,
      ...(Object.values(o.test).some((v) => v !== 0) ? { test: { ...o.test, ...(o.delayChannels ? { delayChannelsMask: o.delayChannels.reduce((m, c) => m + 2 ** c, 0) } : {}), ...pipe.testFacts?.() } } : {}),
    };
    // Independent check of the sync: read the page clock over the debugging protocol, bracketed by
    // engine-clock reads (a channel the app's own sync does not use).
    let check: { offsetNs: number; uncertaintyNs: number } | null = null;
    for (let i = 0; i < (pageAnswers ? 15 : 0); i++) {
      const t0 = engineNowNs();
      const pageMs = await within('a clock read', 30_000, page.evaluate(() => performance.now()));
      const t1 = engineNowNs();
      if (!check || (t1 - t0) / 2 < check.uncertaintyNs) check = { offsetNs: (t0 + t1) / 2 - pageMs * 1e6, uncertaintyNs: (t1 - t0) / 2 };
    }
    const sync = latency.ledger.sync;
    const syncCheck = check && sync ? { ...check, errorNs: sync.offsetNs - check.offsetNs } : undefined;
    if (syncCheck && Math.abs(syncCheck.errorNs) > sync!.uncertaintyNs + syncCheck.uncertaintyNs + 1e6) {
      extra.push(`clock sync off by ${(syncCheck.errorNs / 1e6).toFixed(2)} ms against an independent check (allowed ±${((sync!.uncertaintyNs + syncCheck.uncertaintyNs) / 1e6 + 1).toFixed(2)} ms)`);
    }
    const machine = machineInfo(`Chromium ${browser.version} (headless${o.headed ? ' off' : ''})`);
    const display = pageAnswers
      ? await within('the display query', 10_000, page.evaluate(() => (globalThis as unknown as { __specula?: { ui: { getState(): { display: { kind: string; reason: string } | null } } } }).__specula?.ui.getState().display ?? null)).catch((e: unknown) => {
        log(`specula latency: which display drew is not known: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      })
      : null;
    if (display) machine.display = `${display.kind === 'webgl' ? 'WebGL' : 'Canvas 2D'} (${display.reason})`;
    const report = buildReport(latency.ledger, tEnd, config, machine, extra);
    if (syncCheck) report.syncCheck = syncCheck;
    const paths = writeReport(o.reportDir, report);
    if (o.screenshot && pageAnswers) await within('a screenshot', 30_000, page.screenshot(join(o.reportDir, 'workbench.png'))).catch((e: unknown) => log(`specula latency: no screenshot: ${e instanceof Error ? e.message : String(e)}`));
    return { report, paths, exitCode: report.verdict.pass ? 0 : 1 };
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (e) {
        log(`specula latency: cleanup: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const exceptions = problems.filter((p) => p.kind === 'exception');
    if (exceptions.length) log(`specula latency: page reported:\n  ${exceptions.slice(0, 10).map(describeProblem).join('\n  ')}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  let o: LatencyOptions;
  try {
    o = parseLatencyArgs(argv);
  } catch (e) {
    console.error(`specula latency: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  if (o.help) {
    console.log(LATENCY_USAGE);
    return 0;
  }
  let r: RunResult;
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  process.once('SIGINT', sigint);
  process.once('SIGTERM', sigterm);
  try {
    r = await runLatency(o);
  } catch (e) {
    console.error(`specula latency: ${e instanceof Error ? e.message : String(e)}`);
    return abortReason ? 130 : 2;
  } finally {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
  }
  console.log(formatSummary(r.report));
  console.log(`\nreport: ${r.paths.html}\n        ${r.paths.json}`);
  return r.exitCode;
}
