/**
 * Channel processes as Node child processes (web and headless modes).
 *
 * The child gets an IPC channel (fd 3) for control messages; stdout/stderr are piped and
 * forwarded line by line with the `[ch3 pid 1234]` prefix. The worker watches that IPC channel:
 * when the host dies, even by SIGKILL, the channel closes and the worker exits, so no orphan
 * survives its host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/** How to start the worker script: the built bundle, or the TypeScript source through tsx. */
export interface WorkerEntry {
  /** Script path given to node. */
  script: string;
  /** Node flags placed before the script (e.g. `--import <tsx loader>`). */
  execArgv: string[];
}

/**
 * Locates the channel worker: `channel-worker.js` beside this module (or its parent: the bundle
 * keeps shared code in `out/main/chunks/`) when running the electron-vite bundle, else `src/workers/channel-worker.ts` run with `--import tsx` (tests, dev).
 * `SPECULA_WORKER_ENTRY` overrides the script path.
 */
export function resolveWorkerEntry(): WorkerEntry {
  const here = import.meta.url;
  const override = process.env.SPECULA_WORKER_ENTRY;
  // The bundle puts shared code in out/main/chunks/, so look beside this module and one level up.
  const built = ['./channel-worker.js', '../channel-worker.js'].map((r) => fileURLToPath(new URL(r, here))).find((p) => existsSync(p));
  const source = fileURLToPath(new URL('../workers/channel-worker.ts', here));
  const script = override ?? built ?? source;
  if (!existsSync(script)) throw new Error(`channel worker entry not found: ${script}`);
  if (!script.endsWith('.ts')) return { script, execArgv: [] };
  const tsxLoader = createRequire(here).resolve('tsx');
  return { script, execArgv: ['--import', pathToFileURL(tsxLoader).href] };
}

class NodeChannelProcess implements ChannelProcess {
  private readonly tracker = new ExitTracker();
  label: string;
  private readonly child: ChildProcess;
  private readonly stdout: PrefixedLineSink;
  private readonly stderr: PrefixedLineSink;

  constructor(
    public channel: number,
    entry: WorkerEntry,
    cfg: ChannelLaunchConfig,
  ) {
    const log = cfg.log ?? ((l: string) => process.stderr.write(l + '\n'));
    this.child = spawn(process.execPath, [...entry.execArgv, entry.script], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...cfg.env, SPECULA_CHANNEL: String(cfg.channel) },
      serialization: 'json',
    });
    this.label = cfg.label;
    const prefix = () => logPrefix(this.label, this.child.pid ?? null);
    this.stdout = new PrefixedLineSink(prefix, log);
    this.stderr = new PrefixedLineSink(prefix, log);
    this.child.stdout?.on('data', (c: Buffer) => this.stdout.write(c));
    this.child.stderr?.on('data', (c: Buffer) => this.stderr.write(c));
    this.child.on('error', (err) => {
      log(`${prefix()} spawn error: ${err.message}`);
      this.tracker.settle(null, null);
    });
    // 'exit' may fire before the pipes drain; 'close' fires after both: use it for the final flush.
    this.child.on('exit', (code, signal) => {
      this.tracker.settle(code, signal);
    });
    this.child.on('close', () => {
      this.stdout.flush();
      this.stderr.flush();
    });
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  get exited(): boolean {
    return this.tracker.exited;
  }

  send(msg: HostToWorker): boolean {
    if (this.tracker.exited || !this.child.connected) return false;
    try {
      return this.child.send(msg);
    } catch {
      return false;
    }
  }

  onMessage(cb: (msg: WorkerToHost) => void): void {
    this.child.on('message', (m) => cb(m as WorkerToHost));
  }

  onExit(cb: (exit: ChannelExit) => void): void {
    this.tracker.on(cb);
  }

  kill(graceMs = 1000): Promise<ChannelExit> {
    return this.tracker.kill((sig) => {
      try {
        this.child.kill(sig);
      } catch {
        /* already gone */
      }
    }, graceMs);
  }
}

/** Launches channel workers as `node [--import tsx] channel-worker` child processes. */
export class NodeChannelLauncher implements ChannelLauncher {
  readonly kind = 'node';
  private readonly entry: WorkerEntry;

  constructor(entry: WorkerEntry = resolveWorkerEntry()) {
    this.entry = entry;
  }

  launch(cfg: ChannelLaunchConfig): ChannelProcess {
    return new NodeChannelProcess(cfg.channel, this.entry, cfg);
  }
}
