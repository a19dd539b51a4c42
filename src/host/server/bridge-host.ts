/**
 * What the web server needs from the engine: the call handlers, engine events and display frames.
 * `engine-host.ts` builds one from the real `Engine`; tests build small fakes.
 */
import type { BridgeEventName, BridgeEvents, BridgeHandlers } from '../../shared/bridge';

export interface BridgeHost {
  /** Control-call implementations (a missing one answers `unknown-method`). */
  readonly handlers: BridgeHandlers;
  /** Subscribe to engine events; returns unsubscribe. */
  onEvent(listener: <E extends BridgeEventName>(name: E, data: BridgeEvents[E]) => void): () => void;
  /**
   * Subscribe to display frames (display-frame layout, channel id in the header), newest only.
   * The bytes are valid during the call, and longer between `retain()` and `release()`.
   */
  onFrame(listener: (frame: FrameLease) => void): () => void;
  /**
   * Events a client that connects now must get after `hello` to know the current state (ones that
   * are only sent on changes, e.g. `stale`). Optional: hosts without such state omit it.
   */
  currentEvents?(): HostEvent[];
  /**
   * Display on demand (optional; without it frames come as the engine produces them). While
   * `setPaced(true)`, the host produces a channel's display frame only when `pull(channel)` asks:
   * the web server asks when a client's window has room for that channel, so no cascade runs for a
   * frame that would wait and be replaced.
   */
  readonly demand?: DisplayDemand;
}

/** See `BridgeHost.demand`. */
export interface DisplayDemand {
  /** On while some client takes frames. */
  setPaced(on: boolean): void;
  /** Ask for `channel`'s next display frame; false when the channel cannot produce one now. */
  pull(channel: number): boolean;
  /** The channels that can be asked (the engine's current source). */
  channels(): readonly number[];
}

/** One engine event as a value (name and data), e.g. for a client that connects late. */
export interface HostEvent {
  name: BridgeEventName;
  data: BridgeEvents[BridgeEventName];
}

/** A display frame on loan from the engine (structurally the engine's `DisplayFrameLease`). */
export interface FrameLease {
  readonly bytes: Uint8Array;
  retain(): void;
  release(): void;
}
