/**
 * Entry of a channel's cascade process (one per optical channel).
 *
 * Started by the engine's launcher: a Node child process (`node [--import tsx] channel-worker`) in
 * web/headless mode, an Electron utilityProcess (`out/main/channel-worker.js`) in the app. It waits
 * for `init` on the control channel, opens its ring (and aux rings), runs the frame loop and reports
 * `ready`, `heartbeat` (stats, every `heartbeatMs`) and, in relay mode, a `frame` notice per display
 * frame. It exits when told to stop, on SIGTERM, or when the host is gone (IPC disconnect / parent
 * pid change), releasing its output ring; SIGINT is ignored because the host owns the shutdown.
 */
import { loadNative } from '../native/load';
import { ChannelLoop } from './channel-loop';
import { openControlChannel } from './control-channel';
import { NullDisplaySink, PortDisplaySink, RingDisplaySink, type DisplaySink, type PostPortLike } from './display-sink';
import { processorFactory } from './processors';
import { WorkerExit, type HostToWorker, type WorkerInit } from './protocol';

const control = openControlChannel();
let loop: ChannelLoop | null = null;
let sink: DisplaySink | null = null;
let heartbeat: NodeJS.Timeout | null = null;
let exiting = false;
let testHooks = false;
let pendingPort: PostPortLike | null = null;

function shutdown(code: number): void {
  if (exiting) return;
  exiting = true;
  if (heartbeat) clearInterval(heartbeat);
  try {
    loop?.close();
  } catch {
    /* exiting anyway */
  }
  try {
    sink?.close();
  } catch {
    /* exiting anyway */
  }
  process.exit(code);
}

function fatal(err: unknown, code: number = WorkerExit.Fatal): void {
  const message = err instanceof Error ? err.message : String(err);
  try {
    control.send({ type: 'fatal', error: message });
  } catch {
    /* host gone */
  }
  console.error(`fatal: ${message}`);
  // Let the IPC message flush before exiting.
  setTimeout(() => shutdown(code), 50);
}

process.on('SIGINT', () => {});
process.on('SIGTERM', () => shutdown(WorkerExit.Ok));
process.on('uncaughtException', (err) => fatal(err));
control.onParentGone(() => shutdown(WorkerExit.ParentGone));

async function init(msg: WorkerInit): Promise<void> {
  testHooks = !!msg.testHooks;
  // A missing interval would make setInterval fire every millisecond (it once did: ~700 heartbeats/s per worker).
  if (!(msg.heartbeatMs > 0 && Number.isFinite(msg.heartbeatMs))) throw new RangeError(`init: heartbeatMs must be a positive number, got ${String(msg.heartbeatMs)}`);
  const native = loadNative();
  const createProcessor = processorFactory(msg.processor);
  if (msg.display === 'relay') {
    // One notice object, reused: IPC serialises it on send, so mutating it afterwards is safe.
    const notice = { type: 'frame' as const, seq: 0 };
    sink = new RingDisplaySink(native, msg.channel, `/${msg.outputPrefix}-${process.pid}`, (seq) => {
      notice.seq = seq;
      control.send(notice);
    });
  } else if (msg.display === 'port') {
    const p = new PortDisplaySink(msg.channel, msg.fps ?? 30);
    if (pendingPort) p.setPort(pendingPort);
    sink = p;
  } else {
    sink = new NullDisplaySink();
  }
  loop = new ChannelLoop({ native, channel: msg.channel, prefix: msg.prefix, createProcessor, sink, waitTimeoutMs: msg.waitTimeoutMs });
  loop.onFrameError = (err) => console.error(`frame error: ${err instanceof Error ? err.message : String(err)}`);
  // One notice object, reused (serialised on send).
  const passed = { type: 'passed' as const, seq: 0 };
  const portSink = sink instanceof PortDisplaySink ? sink : null;
  // Relay mode: the host accounts passed frames (its latency ledger, its stall watch). Port mode:
  // the sink's stall watch does, in the worker; main has no use for a message per skipped frame.
  loop.onPassedFrame = portSink ? (seq) => portSink.passed(seq) : (seq) => {
    passed.seq = seq;
    control.send(passed);
  };
  // Display on demand: in relay mode the host knows what the display wants and pulls; in port mode
  // (Electron) the sink does, from the renderer's acknowledgements on its port.
  loop.setPaced(!!msg.paced && (msg.display === 'relay' || msg.display === 'port'));
  const res = loop.configure(msg.cascade);
  if (!res.ok) {
    fatal(new Error(res.error), WorkerExit.BadConfig);
    return;
  }
  loop.start();
  const l = loop;
  if (portSink && msg.paced) portSink.setPaced(() => l.pull());
  heartbeat = setInterval(() => control.send({ type: 'heartbeat', stats: l.snapshot() }), msg.heartbeatMs);
  control.send({ type: 'ready', pid: process.pid, outputRing: sink.outputRing, displayBytes: res.displayBytes });
  control.send({ type: 'heartbeat', stats: l.snapshot() });
}

control.onMessage((msg: HostToWorker, ports) => {
  switch (msg.type) {
    case 'init':
      init(msg).catch((err) => fatal(err, WorkerExit.BadConfig));
      break;
    case 'configure': {
      if (!loop) return;
      const res = loop.configure(msg.cascade);
      control.send(res.ok
        ? { type: 'configured', id: msg.id, ok: true, outputRing: sink?.outputRing ?? null, displayBytes: res.displayBytes }
        : { type: 'configured', id: msg.id, ok: false, error: res.error, outputRing: sink?.outputRing ?? null, displayBytes: 0 });
      break;
    }
    case 'display-port': {
      const port = ports[0] as PostPortLike | undefined;
      if (!port) break;
      if (sink instanceof PortDisplaySink) sink.setPort(port);
      else pendingPort = port;
      break;
    }
    case 'pace':
      if (sink instanceof RingDisplaySink) loop?.setPaced(msg.on);
      break;
    case 'pull':
      loop?.pull();
      break;
    case 'stop':
      loop?.stop();
      shutdown(WorkerExit.Ok);
      break;
    case 'debug-hang':
      if (testHooks) for (;;) { /* test hook: a hung cascade */ }
      break;
    case 'debug-crash':
      if (testHooks) setImmediate(() => { throw new Error('debug-crash requested by the host'); });
      break;
  }
});
