/**
 * Test helpers for the native tests: child processes speaking JSON lines, unique ring names,
 * and /dev/shm cleanup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNativeAddon } from './load';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A unique ring prefix for one test file (pid + tag), so parallel test files never collide. */
export function testPrefix(tag: string): string {
  return `spt-${tag}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
}

/** Removes every /dev/shm entry starting with `prefix` (test cleanup). */
export function cleanShm(prefix: string): void {
  for (const f of readdirSync('/dev/shm')) if (f.startsWith(prefix)) rmSync(join('/dev/shm', f), { force: true });
}

export function shmEntries(prefix: string): string[] {
  return readdirSync('/dev/shm').filter((f) => f.startsWith(prefix));
}

export interface Child {
  proc: ChildProcess;
  /** Resolves with the next JSON line matching `pred`. */
  next(pred: (o: any) => boolean, timeoutMs?: number): Promise<any>;
  exited: Promise<number | null>;
}

/** Spawns `node fixtures/ring-child.mjs <addon> <role> <args>`. */
export function spawnRingChild(role: string, args: object): Child {
  const addon = findNativeAddon();
  if (!addon) throw new Error('native addon not built: run npm run build:native');
  const proc = spawn(process.execPath, [join(FIXTURES, 'ring-child.mjs'), addon, role, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: any[] = [];
  const waiters: { pred: (o: any) => boolean; resolve: (o: any) => void }[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const o = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      const w = waiters.findIndex((x) => x.pred(o));
      if (w >= 0) waiters.splice(w, 1)[0].resolve(o);
      else lines.push(o);
    }
  });
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  return {
    proc,
    exited,
    next(pred, timeoutMs = 10_000) {
      const i = lines.findIndex(pred);
      if (i >= 0) return Promise.resolve(lines.splice(i, 1)[0]);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`child ${role}: no matching message within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ pred, resolve: (o) => { clearTimeout(t); resolve(o); } });
      });
    },
  };
}

/** Payload pattern shared with fixtures/ring-child.mjs. */
export function fillPattern(u32: Uint32Array, seq: number): void {
  const base = Math.imul(seq, 2654435761) >>> 0;
  for (let i = 0; i < u32.length; i++) u32[i] = (base + i) >>> 0;
}

export function checkPattern(u32: Uint32Array, seq: number): boolean {
  const base = Math.imul(seq, 2654435761) >>> 0;
  for (let i = 0; i < u32.length; i++) if (u32[i] !== ((base + i) >>> 0)) return false;
  return true;
}
