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
