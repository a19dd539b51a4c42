/**
 * Test harness: a supervisor + display relay over a `JsProducer`, wired like the engine, with
 * helpers to wait for conditions. Integration tests of real worker processes build on it.
 */
import type { CascadeSpec } from '../../shared/cascade-spec';
import type { ChannelHealth } from '../../shared/health';
import { loadNative } from '../../native/load';
import type { NativeModule } from '../../native/api';
import type { ProcessorPath } from '../../workers/protocol';
import { DisplayRelay } from '../display-relay';
import { NodeChannelLauncher } from '../launcher-node';
import { listShm, unlinkShm } from '../shm-cleanup';
import { Supervisor, type SupervisorOptions } from '../supervisor';
import { JsProducer } from './js-producer';

let counter = 0;

export interface Harness {
  native: NativeModule;
  prefix: string;
  producer: JsProducer;
  supervisor: Supervisor;
  relay: DisplayRelay;
  logs: string[];
  healthEvents: { t: number; health: ChannelHealth[] }[];
  /** Every pid any channel ever had (for the orphan check). */
  pids: Set<number>;
  close(): Promise<void>;
}

export async function startHarness(opts: {
  channels: number;
  fps: number;
  cascade: CascadeSpec;
  lines?: number;
  samples?: number;
  processor?: ProcessorPath;
  supervisor?: Partial<SupervisorOptions>;
}): Promise<Harness> {
  const native = loadNative();
  const prefix = `spt${process.pid}x${counter++}`;
  const chans = Array.from({ length: opts.channels }, (_, i) => i);
  const producer = new JsProducer(native, prefix, chans, opts.lines ?? 64, opts.samples ?? 128);
  const logs: string[] = [];
  const healthEvents: Harness['healthEvents'] = [];
  const supervisor = new Supervisor({
    launcher: new NodeChannelLauncher(),
    prefix, display: 'relay', processor: opts.processor ?? 'test',
    nowNs: () => native.monotonicNs(),
    publishedCount: (c) => producer.published[c] ?? 0,
    testHooks: true,
    healthIntervalMs: 200,
    log: (l) => logs.push(l),
    ...opts.supervisor,
  });
  const relay = new DisplayRelay(native);
  supervisor.onOutputRing((e) => relay.setRing(e.channel, e.ring, e.bytes));
  supervisor.onFrame((ch) => relay.notify(ch));
  supervisor.onHealth((h) => healthEvents.push({ t: Date.now(), health: h }));
  const pids = new Set<number>();
  supervisor.onHealth((h) => h.forEach((c) => c.pid && pids.add(c.pid)));
  producer.start(opts.fps);
  await Promise.all(chans.map((c) => supervisor.startChannel(c, opts.cascade)));
  for (const c of chans) pids.add(supervisor.pid(c)!);
  return {
    native, prefix, producer, supervisor, relay, logs, healthEvents, pids,
    close: async () => {
      await supervisor.close();
      relay.close();
      producer.close();
      unlinkShm(`${prefix}-`);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
  return Date.now() - t0;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export { listShm };
