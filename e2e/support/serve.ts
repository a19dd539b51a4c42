/**
 * Starts `specula serve` for the e2e tests and reads the tokenized URL it prints.
 * SPECULA_E2E_SERVER=sim runs the pure-JS stand-in (UI development without the native engine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Served {
  url: string;
  baseUrl: string;
  token: string;
  proc: ChildProcess;
  log: string[];
  stop(): Promise<void>;
}

export async function startServe(args: string[] = ['--channels', '4', '--fps', '30']): Promise<Served> {
  const sim = process.env.SPECULA_E2E_SERVER === 'sim';
  const cmd = sim ? [resolve(ROOT, 'node_modules/.bin/tsx'), resolve(ROOT, 'e2e/support/sim-host.ts')] : [process.execPath, resolve(ROOT, 'bin/specula.mjs'), 'serve', ...args];
  const proc = spawn(cmd[0], cmd.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CHANNELS: '4' }, detached: false });
  const log: string[] = [];
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`specula serve printed no URL within 60 s:\n${log.join('')}`)), 60_000);
    const onData = (d: Buffer) => {
      log.push(d.toString());
      const m = /(http:\/\/\S+\?token=\S+)/.exec(log.join(''));
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`specula serve exited with ${code}:\n${log.join('')}`));
    });
  });
  const u = new URL(url);
  const token = u.searchParams.get('token')!;
  return {
    url,
    baseUrl: `${u.origin}/`,
    token,
    proc,
    log,
    stop: () =>
      new Promise<void>((res) => {
        if (proc.exitCode !== null) return res();
        const t = setTimeout(() => proc.kill('SIGKILL'), 8000);
        proc.once('exit', () => {
          clearTimeout(t);
          res();
        });
        proc.kill('SIGTERM');
      }),
  };
}
