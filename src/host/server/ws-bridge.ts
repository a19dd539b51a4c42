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
 *
 * Display on demand (a host with `demand`): frames are not pushed at the client as fast as the
 * cascades make them. When the window has room, the channel whose turn it is (longest since its last
 * frame was acknowledged) is asked for a frame (`demand.pull`) and a window place is kept for it
 * (`PULL_RESERVE_MS`); the frame is sent the moment it comes. Under load the browser takes a few
 * frames per second per channel out of 30, and before this every channel's cascade ran for every
 * frame only to have most replaced while waiting here: that CPU was taken from the browser that
 * shows them (16 light channels: workers 72 % of the 2 cores, 283 of 330 frames per channel
 * replaced after the cascade).
 */
import type { WebSocket } from 'ws';
import type { BridgeHandlers, WaitingPlace, WsClientMessage, WsServerMessage } from '../../shared/bridge';
import { ACK_TIMEOUT_MS, AckWindow, CLIENT_FRAME_WINDOW, decodeFrameAck, longestWaiting, PULL_RESERVE_MS, PULL_RETRY_MS, WS_PROTOCOL_VERSION } from '../../shared/bridge';
import { FH } from '../../shared/frame-header';
import type { DisplayDemand, FrameLease } from './bridge-host';
import { dispatchCall } from './rpc';

interface ChannelSlot extends WaitingPlace {
  channel: number;
  /** Display on demand: a window place is kept for this channel's frame, asked for at this time (ms; 0: none). */
  reservedAt: number;
  /** Display on demand: when this channel's frame was last asked for and has not come yet (ms; 0: none). */
  pulledAt: number;
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
  /** Window places kept for frames asked for (display on demand), also against CLIENT_FRAME_WINDOW. */
  private reserved = 0;
  /** Armed while places are kept or asks are unanswered (display on demand): see `demandTick`. */
  private demandTimer: ReturnType<typeof setTimeout> | null = null;
  private demandTimerAt = 0;
  /** Frames asked for (display on demand). */
  pulledTotal = 0;
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

  /** Predicates of the window's fairness rule, made once (nothing allocated per frame). */
  private readonly canGo = (s: ChannelSlot): boolean => canSend(s) || this.canAsk(s);

  constructor(
    readonly ws: WebSocket,
    private readonly handlers: BridgeHandlers,
    /** Display on demand (see the file comment); null: frames come as the engine makes them. */
    private readonly demand: DisplayDemand | null = null,
    /** Called when the client starts or stops taking frames (`subscribe`). */
    private readonly onTakesFramesChange: () => void = () => undefined,
  ) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.onBinary(data as Buffer);
      else void this.onText(data.toString());
    });
    ws.on('close', () => this.releaseAll());
    this.sendWaiting();
  }

  /** Whether this client takes display frames (of some channel). */
  get takesFrames(): boolean {
    return this.frames && this.ws.readyState === this.ws.OPEN;
  }

  private slotOf(channel: number): ChannelSlot {
    let s = this.slots.get(channel);
    if (!s) {
      s = { channel, reservedAt: 0, pulledAt: 0, writing: false, acks: new AckWindow(msNow), pending: null, waitingSince: msNow(), dropped: 0 };
      this.slots.set(channel, s);
      this.slotList.push(s);
    }
    return s;
  }

  /** Display on demand: a channel that has nothing on its way and may be asked for a frame. */
  private canAsk(s: ChannelSlot): boolean {
    return !s.writing && !s.acks.full && this.mayAsk(s);
  }

  /**
   * Display on demand, second choice: a channel whose previous frame is still on its way may be
   * asked for its next one (it waits here for the acknowledgement). Only when no channel is idle:
   * with few channels this keeps each at its source rate (the next frame is made while the last is
   * drawn, instead of one frame per round trip: 1 reference channel went from 30 to 23–26 fps
   * without it), and with many channels the idle ones always go first.
   */
  private readonly canAskAhead = (s: ChannelSlot): boolean => (s.writing || s.acks.full) && this.mayAsk(s);

  private mayAsk(s: ChannelSlot): boolean {
    if (!this.demand || !this.frames || s.pending !== null || s.reservedAt !== 0) return false;
    if (this.channels && !this.channels.has(s.channel)) return false;
    return s.pulledAt === 0 || msNow() - s.pulledAt > PULL_RETRY_MS;
  }

  sendJson(msg: WsServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** Give back every frame still held (socket closed). */
  releaseAll(): void {
    for (const s of this.slotList) {
      s.pending?.release();
      s.pending = null;
      s.reservedAt = 0;
    }
    this.waiting = 0;
    this.reserved = 0;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    if (this.demandTimer) clearTimeout(this.demandTimer);
    this.demandTimer = null;
    this.onTakesFramesChange();
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
    const s = this.slotOf(channel);
    if (this.ws.readyState !== this.ws.OPEN) return;
    s.pulledAt = 0;
    if (s.reservedAt !== 0) {
      // The frame this client asked for: its place is kept, it goes now.
      this.unreserve(s);
      if (s.pending === null && !s.writing && !s.acks.full) {
        frame.retain();
        this.send(s, frame);
        this.sendWaiting();
        return;
      }
    }
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

  /**
   * While the client window has room: send the waiting frame of the channel that waited longest, or
   * (display on demand) ask for the frame of the channel whose turn it is and keep a place for it.
   */
  private sendWaiting(): void {
    if (this.demand) {
      // Channels of the current source get a place in the queue before their first frame.
      const chans = this.demand.channels();
      for (let i = 0; i < chans.length; i++) if (!this.slots.has(chans[i])) this.slotOf(chans[i]);
    }
    while ((this.waiting > 0 || this.demand) && this.inFlight + this.reserved < CLIENT_FRAME_WINDOW) {
      const next = longestWaiting(this.slotList, this.canGo) ?? (this.demand ? longestWaiting(this.slotList, this.canAskAhead) : null);
      if (!next) break;
      if (next.pending === null) {
        this.ask(next);
        continue;
      }
      const frame = next.pending;
      next.pending = null;
      this.waiting--;
      this.send(next, frame);
    }
    // Frames still waiting behind acknowledgements: make sure a receiver that stopped acknowledging
    // cannot hold them (and their engine buffers) for good, even if no other frame or ack comes.
    // With display on demand nothing is offered unasked, so a lost acknowledgement would hold its
    // channel (and a window place) for good: the timer runs whenever frames are on their way.
    if ((this.waiting > 0 || this.demand !== null) && this.inFlight > 0 && !this.expiryTimer) {
      this.expiryTimer = setTimeout(this.expireOverdue, ACK_TIMEOUT_MS + 1);
      this.expiryTimer.unref?.();
    }
  }

  /**
   * After a `subscribe` that leaves channels out: their waiting frames are given back (not counted
   * as dropped, like any frame of a channel the client does not take) and the window places kept
   * for their asked-for frames are freed now rather than when the reservation lapses. Frames of
   * theirs already sent are still acknowledged.
   */
  private forgetHidden(): void {
    if (!this.channels) return;
    for (const s of this.slotList) {
      if (this.channels.has(s.channel)) continue;
      this.unreserve(s);
      s.pulledAt = 0;
      if (s.pending) {
        s.pending.release();
        s.pending = null;
        this.waiting--;
      }
    }
  }

  /** Give up the window place kept for a channel's asked-for frame, if there is one. */
  private unreserve(s: ChannelSlot): void {
    if (s.reservedAt === 0) return;
    s.reservedAt = 0;
    this.reserved--;
  }

  /** Display on demand: ask for a channel's next frame and keep a window place for it. */
  private ask(s: ChannelSlot): void {
    const now = msNow();
    s.pulledAt = now;
    if (this.demand!.pull(s.channel)) {
      this.pulledTotal++;
      s.reservedAt = now;
      this.reserved++;
    } else {
      // No process to ask (restarting, or not in the source): its turn comes again after PULL_RETRY_MS.
      s.waitingSince = now;
    }
    this.armDemandTimer(now);
  }

  /** Wake up when the next kept place lapses or the next unanswered ask may be repeated. */
  private armDemandTimer(now: number): void {
    let at = Infinity;
    for (const s of this.slotList) {
      if (s.reservedAt !== 0) at = Math.min(at, s.reservedAt + PULL_RESERVE_MS);
      // (Only future retries: one already due waits for the window to have room, which an ack brings.)
      else if (s.pulledAt !== 0 && s.pulledAt + PULL_RETRY_MS > now) at = Math.min(at, s.pulledAt + PULL_RETRY_MS);
    }
    if (at === Infinity || (this.demandTimer && this.demandTimerAt <= at)) return;
    if (this.demandTimer) clearTimeout(this.demandTimer);
    this.demandTimerAt = at;
    this.demandTimer = setTimeout(this.demandTick, Math.max(0, at - now) + 1);
    this.demandTimer.unref?.();
  }

  /**
   * Places kept longer than PULL_RESERVE_MS are given up (a frame that comes later is sent like any
   * other), asks older than PULL_RETRY_MS may be repeated; then the window is filled again.
   */
  private readonly demandTick = (): void => {
    this.demandTimer = null;
    const now = msNow();
    for (const s of this.slotList) {
      if (s.reservedAt !== 0 && now - s.reservedAt > PULL_RESERVE_MS) {
        this.unreserve(s);
        s.waitingSince = now;
      }
    }
    this.sendWaiting();
    this.armDemandTimer(now);
  };

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
    // Its turn in the queue counts from now (display on demand; a waiting frame keeps its place).
    if (s.pending === null) s.waitingSince = msNow();
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
      const chans: unknown = msg.channels;
      if (chans !== undefined && !(Array.isArray(chans) && chans.every((c) => Number.isInteger(c) && c >= 0))) {
        this.sendJson({ type: 'result', id: -1, outcome: { ok: false, error: { code: 'bad-params', message: `subscribe: channels must be a list of channel ids (integers ≥ 0), got ${JSON.stringify(chans)}` } } });
        return;
      }
      this.channels = Array.isArray(chans) ? new Set(chans as number[]) : null;
      this.forgetHidden();
      const frames = msg.frames !== false;
      if (frames !== this.frames) {
        this.frames = frames;
        this.onTakesFramesChange();
      }
      this.sendWaiting();
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
