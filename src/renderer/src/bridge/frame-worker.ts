/// <reference lib="webworker" />
/**
 * Web mode: the WebSocket lives here, not on the page (Playwright copies every page-level socket
 * message back to Node; a worker's socket is not inspected and carries ~3× more).
 *
 * Binary messages are display frames. Each is acknowledged to the server at once (4 bytes, the
 * channel id: the server sends a channel's next frame only then, so no socket buffer fills with
 * old frames). The channel id is read from each frame's header; per channel at most one frame is in
 * flight to the page (until the page acks it) and one waits (the newest): older waiting frames are
 * dropped and the count travels with the next delivered frame.
 * Text messages (events, call results, hello) are forwarded as parsed JSON.
 */
import { encodeFrameAck, FRAME_ACK_BYTES, type FrameWorkerToPage, type PageToFrameWorker, type WsServerMessage } from '../../../shared/bridge';
import { FH } from '../../../shared/frame-header';

declare const self: DedicatedWorkerGlobalScope;

interface Slot {
  inFlight: boolean;
  waiting: ArrayBuffer | null;
  dropped: number;
}

const slots = new Map<number, Slot>();
let ws: WebSocket | null = null;
let url = '';
let closedByPage = false;
let retryMs = 250;
/** Counters for diagnostics (readable with a debugger / Playwright `worker.evaluate`). */
const stats = { received: 0, delivered: 0, dropped: 0, textMessages: 0 };
/** Reused for every frame acknowledgement (WebSocket.send copies it). */
const ackBytes = new Uint8Array(FRAME_ACK_BYTES);
(self as unknown as { __frameStats: typeof stats }).__frameStats = stats;

function post(msg: FrameWorkerToPage, transfer?: Transferable[]): void {
  self.postMessage(msg, transfer ?? []);
}

function deliver(channel: number, s: Slot, buf: ArrayBuffer): void {
  s.inFlight = true;
  stats.delivered++;
  const dropped = s.dropped;
  s.dropped = 0;
  post({ type: 'frame', channel, buffer: buf, dropped }, [buf]);
}

function onBinary(buf: ArrayBuffer): void {
  stats.received++;
  if (buf.byteLength < 64) return;
  const channel = new DataView(buf).getUint32(FH.channel, true);
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(encodeFrameAck(channel, ackBytes));
  let s = slots.get(channel);
  if (!s) {
    s = { inFlight: false, waiting: null, dropped: 0 };
    slots.set(channel, s);
  }
  if (s.inFlight) {
    if (s.waiting) {
      s.dropped++;
      stats.dropped++;
    }
    s.waiting = buf;
  } else {
    deliver(channel, s, buf);
  }
}

function connect(): void {
  const sock = new WebSocket(url);
  sock.binaryType = 'arraybuffer';
  ws = sock;
  sock.onopen = () => {
    retryMs = 250;
    post({ type: 'status', connected: true });
  };
  sock.onmessage = (ev: MessageEvent) => {
    if (typeof ev.data === 'string') {
      stats.textMessages++;
      try {
        post({ type: 'text', message: JSON.parse(ev.data) as WsServerMessage });
      } catch {
        /* ignore a malformed text message: the server only sends JSON */
      }
    } else {
      onBinary(ev.data as ArrayBuffer);
    }
  };
  sock.onclose = (ev) => {
    if (ws !== sock) return;
    ws = null;
    for (const s of slots.values()) {
      s.inFlight = false;
      s.waiting = null;
    }
    post({ type: 'status', connected: false, reason: ev.reason || `socket closed (code ${ev.code})` });
    if (!closedByPage) {
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 2000);
    }
  };
}

self.onmessage = (ev: MessageEvent<PageToFrameWorker>) => {
  const m = ev.data;
  if (m.type === 'connect') {
    url = m.url;
    closedByPage = false;
    connect();
  } else if (m.type === 'ack') {
    const s = slots.get(m.channel);
    if (!s) return;
    s.inFlight = false;
    if (s.waiting) {
      const b = s.waiting;
      s.waiting = null;
      deliver(m.channel, s, b);
    }
  } else if (m.type === 'send') {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m.message));
  } else if (m.type === 'close') {
    closedByPage = true;
    ws?.close();
  }
};
