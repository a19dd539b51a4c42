/**
 * Shutdown leaves nothing behind: the host process is killed (SIGKILL: no handler runs) or stopped
 * by a signal, and its channel workers must exit on their own and unlink their output rings.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../native/load';
import { resolveWorkerEntry } from './launcher-node';
import { listShm, unlinkShm } from './shm-cleanup';
import { isAlive, waitFor } from './testing/harness';

const fixture = fileURLToPath(new URL('./testing/host-fixture.ts', import.meta.url));

async function startHost(prefix: string, mode = ''): Promise<{ pid: number; workers: number[]; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, [...resolveWorkerEntry().execArgv, fixture, prefix, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((res, rej) => {
    rl.once('line', res);
    child.once('exit', (c) => rej(new Error(`host fixture exited early (${c})`)));
  });
  const { pids } = JSON.parse(line) as { pids: number[] };
  return { pid: child.pid!, workers: pids, child };
}

describe('shutdown', () => {
  it('workers exit and unlink their output rings when the host is SIGKILLed', async () => {
    const prefix = `spk${process.pid}`;
    const host = await startHost(prefix);
    expect(host.workers.every(isAlive)).toBe(true);
    expect(listShm(`${prefix}-out`).length).toBe(2);
    process.kill(host.pid, 'SIGKILL');
    await waitFor(() => host.workers.every((p) => !isAlive(p)), 3000, 'workers to exit after host death');
    await waitFor(() => listShm(`${prefix}-out`).length === 0, 1000, 'output rings unlinked');
    // The dead host's own rings are reclaimed by the next start (owner pid gone).
    loadNative().reclaimStaleRings(prefix);
    unlinkShm(`${prefix}-`);
    expect(listShm(prefix)).toEqual([]);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('a host stopping on %s leaves no process and no segment', async (sig) => {
    const prefix = `sps${process.pid}${sig}`;
    const host = await startHost(prefix, 'signals');
    const exited = new Promise<number | null>((r) => host.child.once('exit', (c) => r(c)));
    process.kill(host.pid, sig);
    expect(await exited).toBe(0);
    await waitFor(() => host.workers.every((p) => !isAlive(p)), 2000, 'workers gone');
    expect(listShm(prefix)).toEqual([]);
  });
});
