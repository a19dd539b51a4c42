/**
 * A Chromium for measuring: launched with `--remote-debugging-pipe`, one page, and only the
 * DevTools domains the measurement needs (Runtime for evaluation and errors, Page for scripts and
 * screenshots, Tracing on request). No Network domain: see `cdp-connection.ts` for what it costs.
 *
 * The switches are the quiet-browser set a test driver uses (no background networking, timers not
 * throttled, renderer never backgrounded), so a measured page runs as a foreground tab would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable, Writable } from 'node:stream';
import { CdpConnection, type CdpEvent } from './cdp-connection';

export interface LaunchOptions {
  executablePath: string;
  headless: boolean;
  viewport: { width: number; height: number };
  /** Extra switches, after ours. */
  args?: string[];
  /** Milliseconds to wait for the browser to answer on its pipe. */
  timeoutMs?: number;
}

/**
 * Switches for a browser that stays quiet and keeps a background page running at full rate: the
 * relevant part of the set test drivers use (Playwright's `chromiumSwitches`, which documents why
 * each is there).
 */
export const QUIET_SWITCHES: readonly string[] = [
  '--disable-field-trial-config',
  '--disable-background-networking',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
  '--disable-back-forward-cache',
  '--disable-breakpad',
  '--disable-component-extensions-with-background-pages',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--disable-features=MediaRouter,OptimizationHints,PaintHolding,DestroyProfileOnBrowserClose',
  '--disable-hang-monitor',
  '--disable-ipc-flooding-protection',
  '--disable-popup-blocking',
  '--disable-prompt-on-repost',
  '--disable-sync',
  '--force-color-profile=srgb',
  '--metrics-recording-only',
  '--no-default-browser-check',
  '--no-first-run',
  '--no-service-autorun',
  '--password-store=basic',
  '--use-mock-keychain',
  '--mute-audio',
  '--hide-scrollbars',
];

/** What the page reported that a test driver would call a page error. */
export interface PageProblem {
  kind: 'exception' | 'console-error';
  text: string;
}

export class HeadlessChromium {
  private exited = false;
  private readonly exitedPromise: Promise<void>;
  private readonly killOnExit = () => this.kill();

  private constructor(
    private readonly proc: ChildProcess,
    readonly cdp: CdpConnection,
    /** The throw-away profile, removed by `close()`. */
    readonly userDataDir: string,
    /** e.g. "Chrome/156.0.8078.79" (from `Browser.getVersion`) */
    public product = '',
  ) {
    this.exitedPromise = new Promise((res) => {
      const gone = (reason: string) => {
        this.exited = true;
        cdp.close(reason);
        res();
      };
      proc.once('exit', () => gone('the browser exited'));
      // Never started (no 'exit' follows): what is waiting on the pipe learns why.
      proc.once('error', (e) => gone(`could not start ${proc.spawnfile}: ${e.message}`));
    });
    // A browser must not outlive the command that started it, however that command ends.
    process.once('exit', this.killOnExit);
  }

  /** Starts the browser and waits until it answers on its DevTools pipe. */
  static async launch(o: LaunchOptions): Promise<HeadlessChromium> {
    const userDataDir = mkdtempSync(join(tmpdir(), 'specula-chromium-'));
    const args = [
      ...QUIET_SWITCHES,
      ...(o.headless ? ['--headless'] : []),
      `--window-size=${o.viewport.width},${o.viewport.height}`,
      `--user-data-dir=${userDataDir}`,
      '--remote-debugging-pipe',
      ...(o.args ?? []),
      'about:blank',
    ];
    // Its own process group: a Ctrl-C at the terminal reaches only us, and we close the browser
    // after the engine (a browser also exits by itself when its DevTools pipe closes, e.g. when
    // this process is killed).
    const proc = spawn(o.executablePath, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 8192) stderr += d.toString();
    });
    const cdp = new CdpConnection(proc.stdio[3] as Writable, proc.stdio[4] as Readable);
    const b = new HeadlessChromium(proc, cdp, userDataDir);
    try {
      const v = await Promise.race([cdp.send<{ product: string }>('Browser.getVersion'), timeout(o.timeoutMs ?? 30_000, 'the browser did not answer on its DevTools pipe')]);
      b.product = v.product;
    } catch (e) {
      await b.close();
      const tail = stderr.trim().split('\n').slice(-5).join('\n  ');
      throw new Error(`${e instanceof Error ? e.message : String(e)}${tail ? `\n  ${tail}` : ''}`);
    }
    return b;
  }

  /** The browser process is still running. */
  get running(): boolean {
    return !this.exited;
  }

  /** SIGKILL to the browser's process group (its renderer and GPU processes too). */
  private kill(): void {
    if (this.exited || this.proc.pid === undefined) return;
    try {
      process.kill(-this.proc.pid, 'SIGKILL');
    } catch {
      this.proc.kill('SIGKILL');
    }
  }

  /** "156.0.8078.79" */
  get version(): string {
    return this.product.replace(/^[^/]*\//, '');
  }

  /** Opens a page of `viewport` size (a new tab, attached with its own session). */
  async newPage(viewport: { width: number; height: number }): Promise<HeadlessPage> {
    const { targetId } = await this.cdp.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.cdp.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const page = new HeadlessPage(this.cdp, sessionId);
    await page.init(viewport);
    return page;
  }

  /**
   * Records a Chromium trace of every process until `stopTracing` writes it to `path` (the JSON
   * Perfetto and chrome://tracing open).
   */
  async startTracing(categories: string[]): Promise<void> {
    await this.cdp.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: categories, recordMode: 'recordAsMuchAsPossible' } });
  }

  async stopTracing(path: string, timeoutMs = 120_000): Promise<void> {
    const done = this.cdp.waitForEvent('Tracing.tracingComplete', timeoutMs);
    await this.cdp.send('Tracing.end');
    const { params } = await done;
    const handle = params.stream as string | undefined;
    if (!handle) throw new Error('Tracing.tracingComplete carried no stream');
    const parts: Buffer[] = [];
    for (;;) {
      const r = await this.cdp.send<{ data: string; eof: boolean; base64Encoded?: boolean }>('IO.read', { handle, size: 4 << 20 });
      parts.push(Buffer.from(r.data, r.base64Encoded ? 'base64' : 'utf8'));
      if (r.eof) break;
    }
    await this.cdp.send('IO.close', { handle });
    writeFileSync(path, Buffer.concat(parts));
  }

  /** Closes the browser (politely, then SIGKILL after 5 s) and removes its profile directory. */
  async close(): Promise<void> {
    if (!this.exited) {
      this.cdp.send('Browser.close').catch(() => undefined);
      await Promise.race([this.exitedPromise, sleep(5000)]);
      if (!this.exited) {
        this.kill();
        await Promise.race([this.exitedPromise, sleep(5000)]);
      }
    }
    process.removeListener('exit', this.killOnExit);
    rmSync(this.userDataDir, { recursive: true, force: true });
  }
}

/** One tab, driven through its flat session; its workers' errors are collected too. */
export class HeadlessPage {
  /** Exceptions and console errors of the page and its workers, oldest first (at most 100 kept). */
  readonly problems: PageProblem[] = [];
  private readonly sessions = new Set<string>();

  constructor(private readonly cdp: CdpConnection, readonly sessionId: string) {
    this.sessions.add(sessionId);
    cdp.onEvent((e) => this.onEvent(e));
  }

  /** Runtime (evaluation, errors), Page (scripts, screenshots), the viewport, and worker attachment. */
  async init(viewport: { width: number; height: number }): Promise<void> {
    await Promise.all([
      this.send('Runtime.enable'),
      this.send('Page.enable'),
      this.send('Emulation.setDeviceMetricsOverride', { width: viewport.width, height: viewport.height, deviceScaleFactor: 1, mobile: false }),
      // Workers start paused until their session enabled Runtime: none of their errors is missed.
      this.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }),
    ]);
  }

  /** Runs `source` before any script of every document this page loads. */
  async addInitScript<A>(fn: (arg: A) => void, arg: A): Promise<void> {
    await this.send('Page.addScriptToEvaluateOnNewDocument', { source: `(${fn.toString()})(${JSON.stringify(arg)});` });
  }

  /** Starts loading `url`; rejects when the navigation itself fails (e.g. connection refused). */
  async goto(url: string): Promise<void> {
    const r = await this.send<{ errorText?: string }>('Page.navigate', { url });
    if (r.errorText) throw new Error(`could not open ${url}: ${r.errorText}`);
  }

  /**
   * Evaluates `fn` (serialised: it must not close over anything) in the page and returns its
   * JSON-serialisable result; a thrown exception rejects with its description.
   */
  async evaluate<T>(fn: () => T | Promise<T>): Promise<T> {
    const r = await this.send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
      expression: `(${fn.toString()})()`,
      returnByValue: true,
      awaitPromise: true,
    });
    if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /**
   * Polls `fn` every `pollMs` until it returns truthy; rejects after `timeoutMs` (also when the page
   * stops answering: a saturated main thread) or at once when the browser is gone.
   */
  async waitForFunction(fn: () => unknown, timeoutMs: number, pollMs = 100): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last = '';
    const timedOut = () => new Error(`timed out after ${timeoutMs / 1000} s waiting for the page${last ? ` (last error: ${last})` : ''}`);
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const left = new Promise<'late'>((res) => (timer = setTimeout(() => res('late'), Math.max(0, end - Date.now()))));
        const r = await Promise.race([this.evaluate(fn), left]);
        if (r === 'late') throw timedOut();
        if (r) return;
      } catch (e) {
        if (this.cdp.closed) throw e;
        if (Date.now() >= end) throw e instanceof Error && e.message.startsWith('timed out') ? e : timedOut();
        // A navigation in progress destroys the context under the call: try again.
        last = e instanceof Error ? e.message : String(e);
      } finally {
        clearTimeout(timer);
      }
      if (Date.now() >= end) throw timedOut();
      await sleep(pollMs);
    }
  }

  /** Writes a PNG of the viewport to `path`. */
  async screenshot(path: string): Promise<void> {
    const { data } = await this.send<{ data: string }>('Page.captureScreenshot', { format: 'png' });
    writeFileSync(path, Buffer.from(data, 'base64'));
  }

  private send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.cdp.send<T>(method, params, this.sessionId);
  }

  private onEvent(e: CdpEvent): void {
    if (!e.sessionId || !this.sessions.has(e.sessionId)) return;
    switch (e.method) {
      case 'Target.attachedToTarget': {
        const sid = e.params.sessionId as string;
        const type = (e.params.targetInfo as { type?: string } | undefined)?.type;
        if (type !== 'worker') {
          this.cdp.send('Runtime.runIfWaitingForDebugger', {}, sid).catch(() => undefined);
          return;
        }
        this.sessions.add(sid);
        void Promise.all([this.cdp.send('Runtime.enable', {}, sid), this.cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }, sid)])
          .catch(() => undefined)
          .then(() => this.cdp.send('Runtime.runIfWaitingForDebugger', {}, sid))
          .catch(() => undefined);
        return;
      }
      case 'Target.detachedFromTarget':
        this.sessions.delete(e.params.sessionId as string);
        return;
      case 'Runtime.exceptionThrown': {
        const d = e.params.exceptionDetails as { text?: string; exception?: { description?: string } };
        this.note({ kind: 'exception', text: d.exception?.description ?? d.text ?? 'exception' });
        return;
      }
      case 'Runtime.consoleAPICalled': {
        if (e.params.type !== 'error') return;
        const args = (e.params.args as { value?: unknown; description?: string }[]) ?? [];
        this.note({ kind: 'console-error', text: args.map((a) => (a.value !== undefined ? String(a.value) : (a.description ?? ''))).join(' ') });
        return;
      }
    }
  }

  private note(p: PageProblem): void {
    if (this.problems.length < 100) this.problems.push(p);
  }
}

function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, rej) => setTimeout(() => rej(new Error(`${what} within ${ms / 1000} s`)), ms).unref?.());
}
