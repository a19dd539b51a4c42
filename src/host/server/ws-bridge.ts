/**
 * WebSocket side of web mode (`/ws`): engine events and call results as JSON text, display frames
 * as binary messages.
 *
 * Frames flow under two windows (`src/shared/bridge.ts`): per client and channel a frame is sent
 * only when the socket has taken the previous one AND the client acknowledged it (`FRAME_WINDOW`;
 * the frame worker answers every frame with a 4-byte ack), and at most `CLIENT_FRAME_WINDOW` frames
 * of all channels are unacknowledged at once. Waiting the socket's write callback alone is not
 * enough: the kernel's and the browser's socket buffers take megabytes, i.e. seconds of frames at
 * 16 channels, and every one of those frames would reach the screen late; and one frame per channel
 * in flight is still 16 frames queued in one pipe. Meanwhile at most one frame per channel waits
 * here (the newest; older ones are dropped and counted) and when the window opens the channel that
 * has waited longest goes first, so a slow client loses old frames, every channel gets its turn,
 * and nothing queues.
 */
import type { WebSocket } from 'ws';
import type { BridgeHandlers, WaitingPlace, WsClientMessage, WsServerMessage } from '../../shared/bridge';
import { ACK_TIMEOUT_MS, AckWindow, CLIENT_FRAME_WINDOW, decodeFrameAck, longestWaiting, WS_PROTOCOL_VERSION } from '../../shared/bridge';
import { FH } from '../../shared/frame-header';
import type { FrameLease } from './bridge-host';
import { dispatchCall } from './rpc';

interface ChannelSlot extends WaitingPlace {
  /** The socket is writing this channel's last frame (its lease is still held). */
  writing: boolean;
  /** Frames sent and not acknowledged by the client yet. */
  acks: AckWindow;
  /** Newest frame waiting for the window to open (retained). */
  pending: FrameLease | null;
  dropped: number;
}

const msNow = (): number => performance.now();

/** A channel whose waiting frame may go now: its previous one written and acknowledged. */
const canSend = (s: ChannelSlot): boolean => s.pending !== null && !s.writing && !s.acks.full;

/** One connected client. */
export class WsClient {
  private readonly slots = new Map<number, ChannelSlot>();
  /** The same slots as an array: walked per frame without an iterator. */
  private readonly slotList: ChannelSlot[] = [];
  private channels: Set<number> | null = null;
  private frames = true;
  /** Frames sent and not acknowledged, all channels (against CLIENT_FRAME_WINDOW). */
  private inFlight = 0;
  /** Channels with a frame waiting. */
  private waiting = 0;
  /** Armed while frames wait behind missing acknowledgements: gives up overdue ones. */
  private expiryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Frames dropped for this client (latest-wins), all channels. */
  droppedTotal = 0;
  sentTotal = 0;
  /** Acknowledgements received, and those given up after ACK_TIMEOUT_MS. */
  ackedTotal = 0;
  ackTimeouts = 0;

  constructor(readonly ws: WebSocket, private readonly handlers: BridgeHandlers) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.onBinary(data as Buffer);
      else void this.onText(data.toString());
    });
    ws.on('close', () => this.releaseAll());
  }

  sendJson(msg: WsServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** Give back every frame still held (socket closed). */
  releaseAll(): void {
    for (const s of this.slotList) {
      s.pending?.release();
      s.pending = null;
    }
    this.waiting = 0;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }

  /**
   * Offer a frame lease. It is retained while it is being written or waiting, and released when the
   * socket has taken it or a newer frame replaced it: no copy here, the engine's buffer goes out.
   * Every frame joins its channel's place in the queue (newest wins the place); the windows decide
   * when, and the longest-waiting channel goes first, so a channel that happens to offer a frame
   * just as an acknowledgement frees room cannot overtake channels already waiting.
   */
  offerFrame(channel: number, frame: FrameLease): void {
    if (!this.frames || (this.channels && !this.channels.has(channel))) return;
    let s = this.slots.get(channel);
    if (!s) {
      s = { writing: false, acks: new AckWindow(msNow), pending: null, waitingSince: 0, dropped: 0 };
      this.slots.set(channel, s);
      this.slotList.push(s);
    }
    if (this.ws.readyState !== this.ws.OPEN) return;
    frame.retain();
    this.expire(s);
    if (s.pending) {
      s.pending.release();
      s.dropped++;
      this.droppedTotal++;
    } else {
      s.waitingSince = msNow();
      this.waiting++;
    }
    s.pending = frame;
    this.sendWaiting();
  }

  private send(s: ChannelSlot, frame: FrameLease): void {
    if (this.ws.readyState !== this.ws.OPEN) {
      frame.release();
      return;
    }
    s.writing = true;
    s.acks.sent();
    this.inFlight++;
    this.sentTotal++;
    this.ws.send(frame.bytes, { binary: true }, () => {
      frame.release();
      s.writing = false;
      this.sendWaiting();
    });
  }

  /** While the client window has room: send the waiting frame of the channel that waited longest. */
  private sendWaiting(): void {
    while (this.waiting > 0 && this.inFlight < CLIENT_FRAME_WINDOW) {
      const next = longestWaiting(this.slotList, canSend);
      if (!next) break;
      const frame = next.pending!;
      next.pending = null;
      this.waiting--;
      this.send(next, frame);
    }
    // Frames still waiting behind acknowledgements: make sure a receiver that stopped acknowledging
    // cannot hold them (and their engine buffers) for good, even if no other frame or ack comes.
    if (this.waiting > 0 && this.inFlight > 0 && !this.expiryTimer) {
      this.expiryTimer = setTimeout(this.expireOverdue, ACK_TIMEOUT_MS + 1);
      this.expiryTimer.unref?.();
    }
  }

  /** Give up a channel's acknowledgement overdue by more than ACK_TIMEOUT_MS (counted). */
  private expire(s: ChannelSlot): void {
    const n = s.acks.unacked;
    if (s.acks.expire()) {
      this.inFlight -= n;
      this.ackTimeouts++;
    }
  }

  private readonly expireOverdue = (): void => {
    this.expiryTimer = null;
    for (const s of this.slotList) this.expire(s);
    this.sendWaiting();
  };

  /** The only binary message a client sends: a frame acknowledgement (anything else is ignored). */
  private onBinary(data: Buffer): void {
    const channel = decodeFrameAck(data);
    if (channel === null) return;
    const s = this.slots.get(channel);
    if (!s || !s.acks.acked()) return; // late ack of a frame already given up
    this.inFlight--;
    this.ackedTotal++;
    this.sendWaiting();
  }

  private async onText(text: string): Promise<void> {
    let msg: WsClientMessage;
    try {
      msg = JSON.parse(text) as WsClientMessage;
    } catch {
      this.sendJson({ type: 'result', id: -1, outcome: { ok: false, error: { code: 'bad-params', message: 'message is not JSON' } } });
      return;
    }
    if (msg.type === 'call') {
      const outcome = await dispatchCall(this.handlers, msg.method, msg.params);
      this.sendJson({ type: 'result', id: typeof msg.id === 'number' ? msg.id : -1, outcome });
    } else if (msg.type === 'subscribe') {
      this.channels = Array.isArray(msg.channels) ? new Set(msg.channels) : null;
      this.frames = msg.frames !== false;
    } else {
      this.sendJson({ type: 'result', id: -1, outcome: { ok: false, error: { code: 'bad-params', message: `unknown message type ${JSON.stringify((msg as { type?: unknown }).type)}` } } });
    }
  }
}

/** Read the channel id of a display frame from its header (the only routing key). */
export function frameChannel(bytes: Uint8Array): number {
  if (bytes.byteLength < 64) throw new RangeError(`display frame too short: ${bytes.byteLength} bytes`);
  return bytes[FH.channel] | (bytes[FH.channel + 1] << 8) | (bytes[FH.channel + 2] << 16) | (bytes[FH.channel + 3] * 16777216);
}

export async function helloMessage(handlers: BridgeHandlers): Promise<WsServerMessage> {
  const channels = handlers['channels.list'] ? await handlers['channels.list']({}) : [];
  const state = handlers['engine.state'] ? await handlers['engine.state']({}) : { running: false, paused: false, stalled: [], mode: 'web' as const, budgetMs: 100, source: 'none' };
  return { type: 'hello', version: WS_PROTOCOL_VERSION, channels, state };
}
