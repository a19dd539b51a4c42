/**
 * The worker's side of the control channel, over whichever transport launched it:
 * - a Node child process: `process.send` / `process.on('message')` (IPC on fd 3);
 * - an Electron utilityProcess: `process.parentPort` (messages arrive as `{ data, ports }`).
 *
 * It also watches for the host's death. An IPC channel closes when the parent dies, however it
 * died (even SIGKILL), which fires `disconnect`; a utilityProcess has no such event, so the worker
 * also polls its parent pid (re-parenting means the parent is gone). Either way `onParentGone`
 * fires once and the worker exits: no orphan keeps spinning or holding a ring.
 */
import type { HostToWorker, WorkerToHost } from './protocol';

/** Electron's `process.parentPort` shape, declared structurally (no electron import in workers). */
interface ParentPortLike {
  on(event: 'message', cb: (e: { data: unknown; ports: unknown[] }) => void): void;
  postMessage(message: unknown): void;
  start?(): void;
}

export interface ControlChannel {
  /** `ipc` (child process) or `parentPort` (utilityProcess). */
  readonly kind: 'ipc' | 'parentPort';
  send(msg: WorkerToHost): void;
  /** `ports` carries transferred MessagePorts (utilityProcess only). */
  onMessage(cb: (msg: HostToWorker, ports: unknown[]) => void): void;
  onParentGone(cb: () => void): void;
}

export function openControlChannel(parentPollMs = 500): ControlChannel {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  const goneCbs: (() => void)[] = [];
  let gone = false;
  const fireGone = () => {
    if (gone) return;
    gone = true;
    for (const cb of goneCbs) cb();
  };
  const ppid0 = process.ppid;
  const poll = setInterval(() => {
    if (process.ppid !== ppid0) fireGone();
  }, parentPollMs);
  poll.unref();

  if (parentPort) {
    return {
      kind: 'parentPort',
      send: (msg) => parentPort.postMessage(msg),
      onMessage: (cb) => {
        parentPort.on('message', (e) => cb(e.data as HostToWorker, e.ports ?? []));
        parentPort.start?.();
      },
      onParentGone: (cb) => goneCbs.push(cb),
    };
  }
  if (!process.send) throw new Error('channel worker: no IPC channel (start it through the engine launcher, not directly)');
  process.on('disconnect', fireGone);
  return {
    kind: 'ipc',
    send: (msg) => {
      if (process.connected) process.send!(msg);
    },
    onMessage: (cb) => process.on('message', (m) => cb(m as HostToWorker, [])),
    onParentGone: (cb) => goneCbs.push(cb),
  };
}
