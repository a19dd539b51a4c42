/**
 * One small interface for starting a channel's cascade process, whatever hosts it: a Node child
 * process (`NodeChannelLauncher`, web and headless modes) or an Electron `utilityProcess`
 * (`UtilityChannelLauncher`, created by Electron main with `utilityProcess` injected so the engine
 * never imports electron).
 *
 * A launched process speaks the control protocol of `src/workers/protocol.ts`. Its stdout/stderr
 * lines are forwarded to `log` prefixed `[ch3 pid 1234]` so interleaved logs of many channels stay
 * readable.
 */
import type { HostToWorker, WorkerToHost } from '../workers/protocol';

/** Typed launch configuration of one channel process. */
export interface ChannelLaunchConfig {
  /** Channel id, or -1 for a warm spare that gets its channel with `init` later. */
  channel: number;
  /** Short label for log prefixes and health (`ch3`). */
  label: string;
  /** Extra environment for the process (merged over the host's). */
  env?: Record<string, string>;
  /** Where log lines go (already prefixed). Defaults to the host's stderr. */
  log?: (line: string) => void;
}

/** Why a process ended. `crashed` is any end that was not asked for by `kill()`/a clean `stop`. */
export interface ChannelExit {
  code: number | null;
  signal: string | null;
  /** True when the exit was not requested (non-zero code, signal, or unexpected 0). */
  crashed: boolean;
  /** Milliseconds the process lived. */
  uptimeMs: number;
}

/** A running channel process. */
export interface ChannelProcess {
  /** Channel id (-1 for a spare not yet assigned). */
  channel: number;
  /** OS pid (null until spawned, or if the platform does not tell). */
  readonly pid: number | null;
  /** Current log label (a warm spare is relabelled when it is given a channel). */
  label: string;
  /** Send a control message. Returns false when the process is gone. */
  send(msg: HostToWorker, transfer?: unknown[]): boolean;
  /** Control messages from the process. */
  onMessage(cb: (msg: WorkerToHost) => void): void;
  /** Fires exactly once when the process has ended, whatever the reason. */
  onExit(cb: (exit: ChannelExit) => void): void;
  /** True once the process has exited. */
  readonly exited: boolean;
  /**
   * Timed kill: SIGTERM, then SIGKILL if the process is still alive after `graceMs` (default 1000).
   * Resolves when the process has exited. Safe to call more than once.
   */
  kill(graceMs?: number): Promise<ChannelExit>;
}

/** Starts channel processes. */
export interface ChannelLauncher {
  /** Human-readable kind, for logs and health (`node` / `utility`). */
  readonly kind: string;
  launch(cfg: ChannelLaunchConfig): ChannelProcess;
}

/** `[ch3 pid 1234]` */
export function logPrefix(label: string, pid: number | null): string {
  return `[${label} pid ${pid ?? '?'}]`;
}

/**
 * Splits a byte stream into lines and hands each, prefixed, to `out`. Keeps a partial last line
 * until its newline arrives (or `flush`).
 */
export class PrefixedLineSink {
  private partial = '';
  constructor(
    private readonly prefix: () => string,
    private readonly out: (line: string) => void,
  ) {}

  write(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) if (l.length) this.out(`${this.prefix()} ${l}`);
  }

  flush(): void {
    if (this.partial.length) this.out(`${this.prefix()} ${this.partial}`);
    this.partial = '';
  }
}

/** Settles exit bookkeeping shared by both launchers: one exit event, kill escalation. */
export class ExitTracker {
  exited = false;
  exit: ChannelExit | null = null;
  killRequested = false;
  private readonly listeners: ((e: ChannelExit) => void)[] = [];
  private readonly waiters: ((e: ChannelExit) => void)[] = [];
  readonly startedAt = Date.now();

  on(cb: (e: ChannelExit) => void): void {
    if (this.exit) queueMicrotask(() => cb(this.exit!));
    else this.listeners.push(cb);
  }

  settle(code: number | null, signal: string | null): void {
    if (this.exited) return;
    this.exited = true;
    const crashed = !this.killRequested && (code !== 0 || signal !== null);
    this.exit = { code, signal, crashed, uptimeMs: Date.now() - this.startedAt };
    for (const cb of this.listeners.splice(0)) cb(this.exit);
    for (const w of this.waiters.splice(0)) w(this.exit);
  }

  /** SIGTERM now, SIGKILL after `graceMs` unless the process exits first. */
  kill(signal: (sig: 'SIGTERM' | 'SIGKILL') => void, graceMs: number): Promise<ChannelExit> {
    if (this.exit) return Promise.resolve(this.exit);
    this.killRequested = true;
    const p = new Promise<ChannelExit>((res) => this.waiters.push(res));
    signal('SIGTERM');
    const t = setTimeout(() => { if (!this.exited) signal('SIGKILL'); }, graceMs);
    t.unref();
    void p.then(() => clearTimeout(t));
    return p;
  }
}
