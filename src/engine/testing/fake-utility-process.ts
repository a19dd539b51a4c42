/**
 * A stand-in for Electron's `utilityProcess` module, for tests: `fork()` starts a Node child with
 * the `fake-parent-port` preload, so the real channel worker runs its utilityProcess code path
 * (`process.parentPort`, display frames posted on a transferred port) under plain Node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { UtilityProcessLike, UtilityProcessModuleLike } from '../launcher-utility';
import { resolveWorkerEntry } from '../launcher-node';

const preload = fileURLToPath(new URL('../../workers/testing/fake-parent-port.ts', import.meta.url));

class FakeUtilityProcess extends EventEmitter implements UtilityProcessLike {
  private readonly child: ChildProcess;
  constructor(modulePath: string, env: Record<string, string | undefined>, onFrame: (bytes: Uint8Array) => void) {
    super();
    this.child = spawn(process.execPath, [...resolveWorkerEntry().execArgv, '--import', preload, modulePath], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env });
    this.child.on('exit', (code, signal) => this.emit('exit', code ?? (signal ? 128 + 9 : 0)));
    this.child.on('message', (raw) => {
      const m = raw as { kind: string; message?: unknown; bytes?: string };
      if (m.kind === 'control') this.emit('message', m.message);
      else if (m.kind === 'frame') onFrame(new Uint8Array(Buffer.from(m.bytes!, 'base64')));
    });
  }
  get pid(): number | undefined {
    return this.child.pid;
  }
  get stdout() {
    return this.child.stdout;
  }
  get stderr() {
    return this.child.stderr;
  }
  postMessage(message: unknown, transfer?: unknown[]): void {
    this.child.send({ kind: 'control', message, withPort: !!transfer?.length });
  }
  kill(): boolean {
    return this.child.kill('SIGTERM');
  }
}

/**
 * `fork` records every display frame the worker posts on its (emulated) port. `ackDelayMs`: the
 * emulated renderer answers each frame that long after it was posted (default: at once).
 */
export function fakeUtilityProcessModule(onFrame: (bytes: Uint8Array) => void, ackDelayMs = 0): UtilityProcessModuleLike {
  return {
    fork: (modulePath, _args, options) => new FakeUtilityProcess(modulePath, { ...(options?.env ?? process.env), FAKE_PORT_ACK_DELAY_MS: String(ackDelayMs) }, onFrame),
  };
}
