/**
 * The bridge in the Electron app: control calls and events through the preload's narrow API
 * (`window.specula`, typed `PreloadApi`), display frames on MessagePorts that main hands to the
 * window for each channel process and the preload relays with `window.postMessage`.
 */
import { IPC, unwrapOutcome, type BridgeMethod, type BridgeParams, type BridgeResult, type FrameListener, type PortStaleMessage, type PreloadApi, type SpeculaBridge } from '../../../shared/bridge';
import { EventFanout } from './emitter';

export class ElectronBridge implements SpeculaBridge {
  readonly mode = 'electron' as const;
  private frameListener: FrameListener | null = null;
  /** Current port per channel (a restarted worker comes with a new port; the old one is closed). */
  private readonly ports = new Map<number, MessagePort>();
  /** Events that come on the frame ports rather than from main (the workers' `stale` verdicts). */
  private readonly portEvents = new EventFanout();

  constructor(private readonly api: PreloadApi, win: Window = window) {
    win.addEventListener('message', (ev: MessageEvent) => {
      // Only the preload (same window, same origin) relays ports.
      if (ev.source !== win || ev.origin !== win.location.origin) return;
      const d = ev.data as { type?: unknown; channel?: unknown } | null;
      if (!d || d.type !== IPC.pageFramePort || typeof d.channel !== 'number' || !ev.ports[0]) return;
      this.adoptPort(d.channel, ev.ports[0]);
    });
  }

  /** Take a channel's frame port (public for tests). */
  adoptPort(channel: number, port: MessagePort): void {
    this.ports.get(channel)?.close();
    this.ports.set(channel, port);
    // A new port is a new worker: whatever the old one said about the channel no longer holds (the
    // new one tells its own verdict on this port; the page's watchdog judges meanwhile).
    this.portEvents.emit('stale', { channel, stale: false, ageMs: 0, lastFrameMs: 0 });
    port.onmessage = (ev: MessageEvent) => {
      const data = ev.data as unknown;
      const bytes = data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : null;
      if (!bytes) {
        // Not a frame (no acknowledgement): the worker's verdict on its channel's output.
        const m = data as PortStaleMessage | null;
        if (m && m.type === 'stale' && m.notice && typeof m.notice.channel === 'number') this.portEvents.emit('stale', m.notice);
        return;
      }
      // Acknowledged in `frameDone`, when the renderer has drawn or replaced it: the worker posts this
      // channel's next frame only then (FRAME_WINDOW), so neither the port nor the page queues
      // frames behind a busy display; the newest waits in the worker instead.
      // The hint is the port's channel; the frame store trusts the header (and counts a mismatch).
      this.frameListener?.({ channel, bytes, receivedAtMs: performance.now(), droppedBefore: 0 });
    };
    port.start();
  }

  async call<M extends BridgeMethod>(method: M, params: BridgeParams<M>): Promise<BridgeResult<M>> {
    return unwrapOutcome((await this.api.invoke(method, params)) as never);
  }
  on: SpeculaBridge['on'] = (event, listener) => {
    const offMain = this.api.on(event, listener);
    const offPort = this.portEvents.on(event, listener);
    return () => {
      offMain();
      offPort();
    };
  };

  /** Nothing to do: each channel has its own port; a hidden channel's frames keep coming and the page holds the newest. */
  showOnly(): boolean {
    return false;
  }

  frameDone(channel: number): void {
    // After a worker restart this may answer a frame of the old port on the new one: the new worker
    // then sends its next frame one answer early, once; its window is still bounded.
    this.ports.get(channel)?.postMessage(channel);
  }

  onFrames(listener: FrameListener): () => void {
    this.frameListener = listener;
    return () => {
      if (this.frameListener === listener) this.frameListener = null;
    };
  }
}
