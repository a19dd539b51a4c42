/**
 * A Chrome DevTools Protocol connection over Chromium's `--remote-debugging-pipe`: JSON messages,
 * each ended by a NUL byte, written to the browser's fd 3 and read from its fd 4. Sessions are
 * "flat" (`Target.attachToTarget {flatten: true}`): a message for a page or worker carries its
 * `sessionId`.
 *
 * Why our own and not Playwright's page: Playwright enables the Network domain in every page and
 * worker it attaches to, and Chromium then copies every WebSocket message, base64-encoded, into a
 * DevTools event. With the workbench's frames on a WebSocket that is ~10 MB/s of JSON at two
 * reference channels, paid by the renderer, the browser process and the Node process on the very
 * cores being measured (it raised `specula latency`'s p99 from ~30 to 32–59 ms). A clinician's
 * browser has no DevTools attached; the measuring one should not either, beyond what it asks for.
 */
import type { Readable, Writable } from 'node:stream';

/** An event: `method`, its `params`, and the session it came from (undefined: the browser's). */
export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

interface Pending {
  method: string;
  resolve(v: Record<string, unknown>): void;
  reject(e: Error): void;
}

/** Largest message accepted from the browser (a full-page PNG or a trace chunk is far below it). */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

export class CdpConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: CdpEvent) => void>();
  /** `waitForEvent` calls still waiting: rejected on close. */
  private readonly waiters = new Set<(reason: string) => void>();
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private closedReason: string | null = null;

  /**
   * @param out the browser's fd 3 (commands)
   * @param inp the browser's fd 4 (answers and events)
   * @param maxMessageBytes a longer message closes the connection (a browser gone wrong)
   */
  constructor(private readonly out: Writable, inp: Readable, private readonly maxMessageBytes = MAX_MESSAGE_BYTES) {
    inp.on('data', (d: Buffer) => this.onData(d));
    inp.on('close', () => this.close('the browser closed its DevTools pipe'));
    inp.on('error', (e: Error) => this.close(`the DevTools pipe failed: ${e.message}`));
    // A write after the browser died must reject the command, not crash the process.
    out.on('error', (e: Error) => this.close(`the DevTools pipe failed: ${e.message}`));
  }

  /** Null while open; else why it closed. */
  get closed(): string | null {
    return this.closedReason;
  }

  /** Sends a command; resolves with its result, rejects with the browser's error naming the method. */
  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    if (this.closedReason) return Promise.reject(new Error(`${method}: ${this.closedReason}`));
    const id = this.nextId++;
    const msg = JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params });
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (v: Record<string, unknown>) => void, reject });
      this.out.write(msg + '\0');
    });
  }

  /** Calls `fn` for every event (of every session); returns the unsubscribe function. */
  onEvent(fn: (e: CdpEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves with the first event of `method` (on `sessionId`, if given) that `match` accepts. */
  waitForEvent(method: string, timeoutMs: number, match: (e: CdpEvent) => boolean = () => true): Promise<CdpEvent> {
    if (this.closedReason) return Promise.reject(new Error(`waiting for ${method}: ${this.closedReason}`));
    return new Promise<CdpEvent>((resolve, reject) => {
      const done = () => {
        clearTimeout(t);
        off();
        this.waiters.delete(fail);
      };
      const fail = (reason: string) => {
        done();
        reject(new Error(reason));
      };
      const t = setTimeout(() => fail(`no ${method} event within ${timeoutMs / 1000} s`), timeoutMs);
      const off = this.onEvent((e) => {
        if (e.method !== method || !match(e)) return;
        done();
        resolve(e);
      });
      this.waiters.add(fail);
    });
  }

  /** Rejects every command still waiting (idempotent). */
  close(reason = 'the DevTools connection was closed'): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    for (const p of this.pending.values()) p.reject(new Error(`${p.method}: ${reason}`));
    this.pending.clear();
    for (const fail of [...this.waiters]) fail(`waiting for an event: ${reason}`);
    this.chunks = [];
    this.chunkBytes = 0;
  }

  private onData(d: Buffer): void {
    if (this.closedReason) return; // e.g. after an oversized message: nothing more is read
    let start = 0;
    for (let i = d.indexOf(0); i >= 0; i = d.indexOf(0, start)) {
      this.chunks.push(d.subarray(start, i));
      const text = Buffer.concat(this.chunks).toString('utf8');
      this.chunks = [];
      this.chunkBytes = 0;
      start = i + 1;
      this.dispatch(text);
      if (this.closedReason) return;
    }
    if (start < d.length) {
      this.chunks.push(d.subarray(start));
      this.chunkBytes += d.length - start;
      if (this.chunkBytes > this.maxMessageBytes) this.close(`a DevTools message exceeded ${this.maxMessageBytes} bytes`);
    }
  }

  private dispatch(text: string): void {
    let msg: { id?: number; result?: Record<string, unknown>; error?: { message?: string; code?: number }; method?: string; params?: Record<string, unknown>; sessionId?: string };
    try {
      msg = JSON.parse(text);
    } catch {
      this.close(`the browser sent a message that is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
      return;
    }
    if (typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message ?? 'error'} (${msg.error.code ?? '?'})`));
      else p.resolve(msg.result ?? {});
      return;
    }
    if (typeof msg.method === 'string') {
      const e: CdpEvent = { method: msg.method, params: msg.params ?? {}, ...(msg.sessionId ? { sessionId: msg.sessionId } : {}) };
      for (const fn of [...this.listeners]) fn(e);
    }
  }
}
