/**
 * The bridge in web mode (`specula serve`): control calls over HTTP (`POST /api/<method>`), events
 * and display frames over one WebSocket held by a dedicated Worker (`frame-worker.ts`).
 * The access token comes from the page URL (`?token=`) and is sent with every call.
 */
import {
  BridgeError,
  TOKEN_HEADER,
  TOKEN_QUERY,
  type BridgeMethod,
  type BridgeParams,
  type BridgeResult,
  type CallOutcome,
  type FrameListener,
  type FrameWorkerToPage,
  type PageToFrameWorker,
  type SpeculaBridge,
} from '../../../shared/bridge';
import { EventFanout } from './emitter';

export class WebBridge implements SpeculaBridge {
  readonly mode = 'web' as const;
  private readonly events = new EventFanout();
  private readonly worker: Worker;
  private frameListener: FrameListener | null = null;
  /** The page's last `showOnly` (sent again on every (re)connection: the server forgets it). */
  private shown: number[] | null = null;

  constructor(private readonly base: URL, private readonly token: string) {
    this.worker = new Worker(new URL('./frame-worker.ts', import.meta.url), { type: 'module', name: 'specula-frames' });
    this.worker.onmessage = (ev: MessageEvent<FrameWorkerToPage>) => this.onWorker(ev.data);
    const wsUrl = new URL('ws', base);
    wsUrl.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    wsUrl.searchParams.set(TOKEN_QUERY, token);
    this.toWorker({ type: 'connect', url: wsUrl.href });
  }

  static fromLocation(loc: Location = window.location): WebBridge {
    const token = new URLSearchParams(loc.search).get(TOKEN_QUERY) ?? '';
    return new WebBridge(new URL('/', loc.href), token);
  }

  private toWorker(m: PageToFrameWorker): void {
    this.worker.postMessage(m);
  }

  private onWorker(m: FrameWorkerToPage): void {
    if (m.type === 'frame') {
      // Acknowledged when the renderer is done with it (`frameDone`), not on arrival; with nobody
      // to take it, at once (the server would otherwise hold the channel until its ack timeout).
      if (!this.frameListener) {
        this.frameDone(m.channel);
        return;
      }
      this.frameListener?.({ channel: m.channel, bytes: new Uint8Array(m.buffer), receivedAtMs: performance.now(), droppedBefore: m.dropped });
    } else if (m.type === 'status') {
      if (m.connected && this.shown) this.subscribe();
      this.events.emit('connection', { connected: m.connected, reason: m.reason });
    } else if (m.type === 'text') {
      const msg = m.message;
      if (msg.type === 'event') this.events.emit(msg.name, msg.data);
      else if (msg.type === 'hello') {
        this.events.emit('channels', msg.channels);
        this.events.emit('state', msg.state);
      }
    }
  }

  async call<M extends BridgeMethod>(method: M, params: BridgeParams<M>): Promise<BridgeResult<M>> {
    let res: Response;
    try {
      res = await fetch(new URL(`api/${method}`, this.base), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TOKEN_HEADER]: this.token },
        body: JSON.stringify(params ?? {}),
      });
    } catch (e) {
      throw new BridgeError({ code: 'disconnected', message: `engine unreachable: ${e instanceof Error ? e.message : String(e)}` });
    }
    if (res.status === 401) throw new BridgeError({ code: 'unauthorized', message: 'access token refused: open the URL printed by `specula serve`' });
    let body: CallOutcome<BridgeResult<M>>;
    try {
      body = (await res.json()) as CallOutcome<BridgeResult<M>>;
    } catch {
      throw new BridgeError({ code: 'internal', message: `bad answer from engine (HTTP ${res.status})` });
    }
    if (body.ok) return body.result;
    throw new BridgeError(body.error);
  }

  on: SpeculaBridge['on'] = (event, listener) => this.events.on(event, listener);

  frameDone(channel: number): void {
    this.toWorker({ type: 'ack', channel });
  }

  showOnly(channels: readonly number[] | null): boolean {
    this.shown = channels ? [...channels] : null;
    this.subscribe();
    return this.shown !== null;
  }

  private subscribe(): void {
    this.toWorker({ type: 'send', message: this.shown ? { type: 'subscribe', channels: this.shown } : { type: 'subscribe' } });
  }

  onFrames(listener: FrameListener): () => void {
    this.frameListener = listener;
    return () => {
      if (this.frameListener === listener) this.frameListener = null;
    };
  }
}
