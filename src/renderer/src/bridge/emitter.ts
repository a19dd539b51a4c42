/** Tiny typed event fan-out used by both bridge clients. */
import type { BridgeEventName, BridgeEvents } from '../../../shared/bridge';

export class EventFanout {
  private readonly listeners = new Map<string, Set<(d: unknown) => void>>();

  on<E extends BridgeEventName>(event: E, l: (d: BridgeEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const f = l as (d: unknown) => void;
    set.add(f);
    return () => set!.delete(f);
  }

  emit(event: string, data: unknown): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of set) {
      try {
        l(data);
      } catch (e) {
        console.error(`listener of "${event}" failed:`, e);
      }
    }
  }
}
