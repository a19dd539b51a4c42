/** A small in-memory BridgeHost for server tests (not shipped: `serve` uses the real Engine). */
import type { BridgeEventName, BridgeEvents, BridgeHandlers, ChannelInfo, EngineState } from '../../shared/bridge';
import { displayFrameBytes, DISPLAY_PIXELS_OFFSET } from '../../shared/display-frame';
import { DType, writeFrameHeader, newFrameHeader } from '../../shared/frame-header';
import type { BridgeHost, FrameLease, HostEvent } from './bridge-host';
import { RejectedError, needChannel, needBool } from './rpc';

export class FakeHost implements BridgeHost {
  readonly state: EngineState = { running: true, paused: false, stalled: [], mode: 'web', budgetMs: 100, source: 'fake' };
  readonly channels: ChannelInfo[] = [0, 1].map((c) => ({ channel: c, label: `CH ${c}`, fps: 30, lines: 4, samples: 8, enabled: true, cascade: 'light' }));
  private eventListeners = new Set<(n: BridgeEventName, d: unknown) => void>();
  private frameListeners = new Set<(f: FrameLease) => void>();
  /** Leases not yet released by the server (must drop back to 0). */
  outstanding = 0;
  /** What `currentEvents` answers (state a newly connected client must learn after hello). */
  current: HostEvent[] = [];
  currentEvents() {
    return this.current;
  }
  readonly handlers: BridgeHandlers = {
    'engine.state': () => this.state,
    'channels.list': () => this.channels,
    'device.stall': (p) => {
      const c = needChannel(p);
      const s = needBool(p.stalled, 'stalled');
      this.state.stalled = s ? [...new Set([...this.state.stalled, c])] : this.state.stalled.filter((x) => x !== c);
      this.emit('state', this.state);
      return this.state;
    },
    'cascade.set': (p) => {
      if (!p.spec || !Array.isArray(p.spec.stages)) throw new RejectedError('cascade: "stages" must be an array');
      return { applied: [0, 1] };
    },
    'health.get': () => { throw new Error('boom'); },
  };
  onEvent(l: <E extends BridgeEventName>(n: E, d: BridgeEvents[E]) => void): () => void {
    const f = l as (n: BridgeEventName, d: unknown) => void;
    this.eventListeners.add(f);
    return () => this.eventListeners.delete(f);
  }
  onFrame(l: (f: FrameLease) => void): () => void {
    this.frameListeners.add(l);
    return () => this.frameListeners.delete(l);
  }
  emit<E extends BridgeEventName>(n: E, d: BridgeEvents[E]): void {
    for (const l of this.eventListeners) l(n, d);
  }
  /** Emit a display frame of `channel` whose pixels are all `value`; returns the bytes. */
  emitFrame(channel: number, seq: number, value: number, width = 8, height = 4): Uint8Array {
    const bytes = new Uint8Array(displayFrameBytes(width, height, DType.U8));
    writeFrameHeader(bytes, { ...newFrameHeader(), channel, seq, lines: height, samples: width, dtype: DType.U16 });
    const dv = new DataView(bytes.buffer);
    dv.setUint32(192, width, true);
    dv.setUint32(196, height, true);
    dv.setUint16(200, DType.U8, true);
    bytes.fill(value, DISPLAY_PIXELS_OFFSET);
    let refs = 1;
    this.outstanding++;
    const lease: FrameLease = {
      bytes,
      retain: () => { refs++; },
      release: () => {
        if (refs <= 0) throw new Error('released more often than retained');
        if (--refs === 0) this.outstanding--;
      },
    };
    for (const l of this.frameListeners) l(lease);
    lease.release();
    return bytes;
  }
}
