/**
 * Preload (`node --import`) that makes a Node child look like an Electron utility process to the
 * channel worker: `process.parentPort` carries control messages over the Node IPC channel, and a
 * transferred display port is emulated by a port object whose `postMessage(frame)` forwards the
 * frame (base64) to the parent. Used by the utilityProcess launcher integration test only.
 */
type Listener = (e: { data: unknown; ports: unknown[] }) => void;

const send = process.send!.bind(process);
const listeners: Listener[] = [];
// Like Electron's parentPort, hold messages until the worker has attached its listener.
const queued: { data: unknown; ports: unknown[] }[] = [];
const ackListeners: ((e: { data: unknown }) => void)[] = [];
/** A slow renderer: each frame answered this many ms after it was posted (0: at once). */
const ackDelayMs = Number(process.env.FAKE_PORT_ACK_DELAY_MS ?? 0);
const ack = () => ackListeners.forEach((cb) => cb({ data: 0 }));
const displayPort = {
  postMessage(frame: unknown): void {
    // The worker's stall notices share the port (PortStaleMessage): not frames, not acknowledged.
    if ((frame as { type?: unknown } | null)?.type === 'stale') return;
    if (!(frame instanceof Uint8Array)) throw new TypeError('display port: expected a Uint8Array frame or a stale notice');
    send({ kind: 'frame', bytes: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64') });
    // The emulated renderer acknowledges every frame once it is handed on (like ElectronBridge).
    if (ackDelayMs > 0) setTimeout(ack, ackDelayMs);
    else setImmediate(ack);
  },
  on(event: string, cb: (e: { data: unknown }) => void): void {
    if (event === 'message') ackListeners.push(cb);
  },
  start(): void {},
  close(): void {},
};

(process as unknown as { parentPort: unknown }).parentPort = {
  on(event: string, cb: Listener): void {
    if (event !== 'message') return;
    listeners.push(cb);
    for (const e of queued.splice(0)) cb(e);
  },
  postMessage(message: unknown): void {
    send({ kind: 'control', message });
  },
  start(): void {},
};

process.on('message', (raw) => {
  const msg = raw as { kind: string; message: unknown; withPort?: boolean };
  if (msg.kind !== 'control') return;
  const e = { data: msg.message, ports: msg.withPort ? [displayPort] : [] };
  if (listeners.length === 0) queued.push(e);
  else for (const cb of listeners) cb(e);
});
