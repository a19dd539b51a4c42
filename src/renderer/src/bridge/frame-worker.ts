/// <reference lib="webworker" />
/**
 * Web mode: the WebSocket lives here, not on the page (Playwright copies every page-level socket
 * message back to Node; a worker's socket is not inspected and carries ~3× more).
 *
 * Binary messages are display frames. Each is acknowledged to the server (4 bytes, the channel id)
 * when the page is done with it (drawn, replaced or held: `SpeculaBridge.frameDone`) or when it is
 * dropped here; the server sends a channel's next frame only then, so neither a socket buffer nor
 * the page queues old frames. The channel id is read from each frame's header; per channel at most
 * one frame is in flight to the page (until the page acks it), at most `PAGE_FRAME_WINDOW` of all
 * channels, and one per channel waits (the newest; the channel that has waited longest goes first):
 * older waiting frames are dropped and the count travels with the next delivered frame.
 * Text messages (events, call results, hello) are forwarded as parsed JSON.
 */
import { encodeFrameAck, FRAME_ACK_BYTES, longestWaiting, PAGE_FRAME_WINDOW, type FrameWorkerToPage, type PageToFrameWorker, type WaitingPlace, type WsServerMessage } from '../../../shared/bridge';
import { FH } from '../../../shared/frame-header';

declare const self: DedicatedWorkerGlobalScope;

interface Slot extends WaitingPlace {
  channel: number;
  inFlight: boolean;
  waiting: ArrayBuffer | null;
  dropped: number;
}

/** A channel whose waiting frame may go to the page now (the page took its previous one). */
const canDeliver = (s: Slot): boolean => s.waiting !== null && !s.inFlight;

const slots = new Map<number, Slot>();
/** The same slots as an array, walked per frame without an iterator. */
const slotList: Slot[] = [];
/** Frames handed to the page and not acknowledged yet, all channels (against PAGE_FRAME_WINDOW). */
let toPage = 0;
let ws: WebSocket | null = null;
let url = '';
let closedByPage = false;
let retryMs = 250;
/** Counters for diagnostics (readable with a debugger / Playwright `worker.evaluate`). */
const stats = { received: 0, delivered: 0, dropped: 0, textMessages: 0 };
/** Reused for every frame acknowledgement (WebSocket.send copies it). */
const ackBytes = new Uint8Array(FRAME_ACK_BYTES);
(self as unknown as { __frameStats: typeof stats }).__frameStats = stats;

/** Tell the server a frame of `channel` is done with (the page drew, replaced or held it, or it was dropped here). */
function ackToServer(channel: number): void {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(encodeFrameAck(channel, ackBytes));
}

function post(msg: FrameWorkerToPage, transfer?: Transferable[]): void {
  self.postMessage(msg, transfer ?? []);
}

function deliver(s: Slot, buf: ArrayBuffer): void {
  s.inFlight = true;
  toPage++;
  stats.delivered++;
  const dropped = s.dropped;
  s.dropped = 0;
  post({ type: 'frame', channel: s.channel, buffer: buf, dropped }, [buf]);
}

/** While the page window has room: hand over the waiting frame of the channel that waited longest. */
function pump(): void {
  while (toPage < PAGE_FRAME_WINDOW) {
    const next = longestWaiting(slotList, canDeliver);
    if (!next) return;
    const b = next.waiting!;
    next.waiting = null;
    deliver(next, b);
  }
}

function onBinary(buf: ArrayBuffer): void {
  stats.received++;
  if (buf.byteLength < 64) return;
  const channel = new DataView(buf).getUint32(FH.channel, true);
  let s = slots.get(channel);
  if (!s) {
    s = { channel, inFlight: false, waiting: null, waitingSince: 0, dropped: 0 };
    slots.set(channel, s);
    slotList.push(s);
  }
  if (s.waiting) {
    // The replaced frame never reaches the page, so nobody else will acknowledge it.
    ackToServer(channel);
    s.dropped++;
    stats.dropped++;
  } else {
    s.waitingSince = performance.now();
  }
  s.waiting = buf;
  pump();
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
    for (const s of slotList) {
      s.inFlight = false;
      s.waiting = null;
    }
    toPage = 0;
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
    if (!s || !s.inFlight) return;
    // The page is done with the frame (drawn, replaced or held): only now may the server send the
    // channel's next one, so the server's window spans the whole way to the screen.
    ackToServer(m.channel);
    s.inFlight = false;
    toPage--;
    pump();
  } else if (m.type === 'send') {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m.message));
  } else if (m.type === 'close') {
    closedByPage = true;
    ws?.close();
  }
};
