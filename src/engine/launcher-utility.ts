/**
 * Channel processes as Electron `utilityProcess`es (the desktop app).
 *
 * The engine never imports electron: Electron main passes its `utilityProcess` module in, and this
 * file only relies on the small structural subset declared below. Wiring in `src/main` (owned by the
 * shell):
 *
 * ```ts
 * import { utilityProcess, MessageChannelMain } from 'electron';
 * import { Engine } from '../engine/engine';
 * import { UtilityChannelLauncher } from '../engine/launcher-utility';
 * const workerPath = join(__dirname, 'channel-worker.js');            // out/main/channel-worker.js
 * const engine = await Engine.start({
 *   channels: 4, cascade,
 *   display: 'port',
 *   launcher: new UtilityChannelLauncher(utilityProcess, workerPath),
 *   // Called at every (re)start of a channel's process: give one end to the worker, the other
 *   // to the window (webContents.postMessage('display-port', { channel }, [port2])).
 *   displayPort: (channel) => {
 *     const { port1, port2 } = new MessageChannelMain();
 *     win.webContents.postMessage('display-port', { channel }, [port2]);
 *     return port1;
 *   },
 * });
 * ```
 *
 * The worker receives control messages on `process.parentPort` and the display port with a
 * `display-port` message; display frames are posted as plain values, never in the transfer list
 * (electron/electron#34905: an ArrayBuffer in a MessagePortMain transfer list loses its data).
 */
import type { HostToWorker, WorkerToHost } from '../workers/protocol';
import {
  ExitTracker,
  PrefixedLineSink,
  logPrefix,
  type ChannelExit,
  type ChannelLaunchConfig,
  type ChannelLauncher,
  type ChannelProcess,
} from './launcher';

/** The part of Electron's `UtilityProcess` this launcher uses. */
export interface UtilityProcessLike {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown, transfer?: unknown[]): void;
  kill(): boolean;
  on(event: 'spawn', cb: () => void): unknown;
  on(event: 'exit', cb: (code: number) => void): unknown;
  on(event: 'message', cb: (message: unknown) => void): unknown;
}

/** The part of Electron's `utilityProcess` module this launcher uses. */
export interface UtilityProcessModuleLike {
  fork(
    modulePath: string,
    args?: string[],
    options?: { env?: Record<string, string | undefined>; stdio?: 'pipe' | 'inherit' | 'ignore'; serviceName?: string },
  ): UtilityProcessLike;
}

class UtilityChannelProcess implements ChannelProcess {
  private readonly tracker = new ExitTracker();
  label: string;
  private readonly proc: UtilityProcessLike;

  constructor(
    public channel: number,
    mod: UtilityProcessModuleLike,
    modulePath: string,
    cfg: ChannelLaunchConfig,
    private readonly killPid: (pid: number, sig: NodeJS.Signals) => void,
  ) {
    const log = cfg.log ?? ((l: string) => process.stderr.write(l + '\n'));
    this.proc = mod.fork(modulePath, [], {
      env: { ...process.env, ...cfg.env, SPECULA_CHANNEL: String(cfg.channel) },
      stdio: 'pipe',
      serviceName: `Specula ${cfg.label}`,
    });
    this.label = cfg.label;
    const prefix = () => logPrefix(this.label, this.proc.pid ?? null);
    const out = new PrefixedLineSink(prefix, log);
    const err = new PrefixedLineSink(prefix, log);
    this.proc.stdout?.on('data', (c: Buffer) => out.write(c));
    this.proc.stderr?.on('data', (c: Buffer) => err.write(c));
    this.proc.on('exit', (code) => {
      out.flush();
      err.flush();
      // utilityProcess reports only a code; a signal death shows as a non-zero code.
      this.tracker.settle(code, null);
    });
  }

  get pid(): number | null {
    return this.proc.pid ?? null;
  }

  get exited(): boolean {
    return this.tracker.exited;
  }

  send(msg: HostToWorker, transfer?: unknown[]): boolean {
    if (this.tracker.exited) return false;
    try {
      this.proc.postMessage(msg, transfer);
      return true;
    } catch {
      return false;
    }
  }

  onMessage(cb: (msg: WorkerToHost) => void): void {
    this.proc.on('message', (m) => cb(m as WorkerToHost));
  }

  onExit(cb: (exit: ChannelExit) => void): void {
    this.tracker.on(cb);
  }

  kill(graceMs = 1000): Promise<ChannelExit> {
    return this.tracker.kill((sig) => {
      if (sig === 'SIGTERM') this.proc.kill();
      else if (this.proc.pid) {
        try {
          this.killPid(this.proc.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }, graceMs);
  }
}

/** Launches channel workers with Electron's `utilityProcess.fork` (injected). */
export class UtilityChannelLauncher implements ChannelLauncher {
  readonly kind = 'utility';

  /**
   * @param utilityProcess Electron's `utilityProcess` module (injected by main).
   * @param modulePath absolute path of the built worker, `out/main/channel-worker.js`.
   * @param killPid how to SIGKILL a pid (default `process.kill`); `utilityProcess.kill()` only sends SIGTERM.
   */
  constructor(
    private readonly utilityProcess: UtilityProcessModuleLike,
    private readonly modulePath: string,
    private readonly killPid: (pid: number, sig: NodeJS.Signals) => void = (pid, sig) => process.kill(pid, sig),
  ) {}

  launch(cfg: ChannelLaunchConfig): ChannelProcess {
    return new UtilityChannelProcess(cfg.channel, this.utilityProcess, this.modulePath, cfg, this.killPid);
  }
}
