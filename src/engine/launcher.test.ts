/**
 * Launchers: log prefixing, timed kill escalation, and the Electron utilityProcess launcher driven
 * through a fake `utilityProcess` module (no electron import anywhere in the engine).
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExitTracker, PrefixedLineSink, logPrefix } from './launcher';
import { NodeChannelLauncher } from './launcher-node';
import { UtilityChannelLauncher, type UtilityProcessLike, type UtilityProcessModuleLike } from './launcher-utility';

describe('log prefixing', () => {
  it('prefixes every complete line with [chN pid P], keeping partial lines until their newline', () => {
    const out: string[] = [];
    let pid: number | null = null;
    const sink = new PrefixedLineSink(() => logPrefix('ch3', pid), (l) => out.push(l));
    pid = 1234;
    sink.write('hello\nwor');
    sink.write('ld\n\nlast');
    expect(out).toEqual(['[ch3 pid 1234] hello', '[ch3 pid 1234] world']);
    sink.flush();
    expect(out.at(-1)).toBe('[ch3 pid 1234] last');
  });
});

describe('ExitTracker', () => {
  it('escalates SIGTERM to SIGKILL after the grace period and marks a requested kill as not a crash', async () => {
    const t = new ExitTracker();
    const sent: string[] = [];
    const done = t.kill((sig) => {
      sent.push(sig);
      if (sig === 'SIGKILL') setTimeout(() => t.settle(null, 'SIGKILL'), 5);
    }, 30);
    const exit = await done;
    expect(sent).toEqual(['SIGTERM', 'SIGKILL']);
    expect(exit.crashed).toBe(false);
  });

  it('an unrequested non-zero exit is a crash; listeners added late still hear it once', async () => {
    const t = new ExitTracker();
    t.settle(1, null);
    t.settle(0, null); // ignored: exit is settled once
    const e = await new Promise((r) => t.on(r));
    expect(e).toMatchObject({ code: 1, crashed: true });
  });
});

class FakeUtility extends EventEmitter implements UtilityProcessLike {
  static nextPid = 50_000;
  readonly pid = FakeUtility.nextPid++;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  posted: { message: unknown; transfer?: unknown[] }[] = [];
  killed = 0;
  constructor(readonly modulePath: string, readonly options: unknown) {
    super();
  }
  postMessage(message: unknown, transfer?: unknown[]): void {
    this.posted.push({ message, transfer });
  }
  kill(): boolean {
    this.killed++;
    return true; // a process that ignores SIGTERM: the launcher must escalate
  }
}

describe('UtilityChannelLauncher (Electron, injected utilityProcess)', () => {
  it('forks the worker module, relays messages and logs, and escalates kill to SIGKILL by pid', async () => {
    const forks: FakeUtility[] = [];
    const mod: UtilityProcessModuleLike = {
      fork: (modulePath, _args, options) => {
        const p = new FakeUtility(modulePath, options);
        forks.push(p);
        return p;
      },
    };
    const killed: [number, string][] = [];
    const logs: string[] = [];
    const launcher = new UtilityChannelLauncher(mod, '/app/out/main/channel-worker.js', (pid, sig) => {
      killed.push([pid, sig]);
      setTimeout(() => forks[0].emit('exit', 137), 1);
    });
    const proc = launcher.launch({ channel: 2, label: 'ch2', log: (l) => logs.push(l) });
    const fake = forks[0];
    expect(fake.modulePath).toBe('/app/out/main/channel-worker.js');
    expect(fake.options).toMatchObject({ stdio: 'pipe', serviceName: 'Specula ch2' });
    const port = { fake: 'port' };
    proc.send({ type: 'display-port' }, [port]);
    expect(fake.posted[0]).toEqual({ message: { type: 'display-port' }, transfer: [port] });
    const got: unknown[] = [];
    proc.onMessage((m) => got.push(m));
    fake.emit('message', { type: 'frame', seq: 7 });
    expect(got).toEqual([{ type: 'frame', seq: 7 }]);
    fake.stderr.write('boom\n');
    await new Promise((r) => setImmediate(r));
    expect(logs).toEqual([`[ch2 pid ${fake.pid}] boom`]);
    const exit = await proc.kill(20);
    expect(fake.killed).toBe(1);
    expect(killed).toEqual([[fake.pid, 'SIGKILL']]);
    expect(exit).toMatchObject({ code: 137, crashed: false });
    expect(proc.exited).toBe(true);
    expect(proc.send({ type: 'stop' })).toBe(false);
  });

  it('reports an unrequested exit as a crash', async () => {
    let p: FakeUtility | null = null;
    const launcher = new UtilityChannelLauncher({ fork: (m, _a, o) => (p = new FakeUtility(m, o)) }, '/w.js');
    const proc = launcher.launch({ channel: 0, label: 'ch0', log: () => {} });
    const exited = new Promise((r) => proc.onExit(r));
    p!.emit('exit', 1);
    expect(await exited).toMatchObject({ code: 1, crashed: true });
  });
});

describe('NodeChannelLauncher', () => {
  it('prefixes the child output and reports a crash with its exit code', async () => {
    const logs: string[] = [];
    // `node -e <script>`: the launcher puts execArgv before the script argument.
    const inline = new NodeChannelLauncher({ script: 'console.error("hi from worker"); process.exit(3)', execArgv: ['-e'] });
    const proc = inline.launch({ channel: 5, label: 'ch5', log: (l) => logs.push(l) });
    const exit = await new Promise<{ code: number | null; crashed: boolean }>((r) => proc.onExit(r));
    await new Promise((r) => setTimeout(r, 50));
    expect(exit).toMatchObject({ code: 3, crashed: true });
    expect(logs).toContain(`[ch5 pid ${proc.pid}] hi from worker`);
  });
});
