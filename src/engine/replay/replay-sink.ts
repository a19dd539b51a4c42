/**
 * Where the replay driver puts frames. In the app and `specula replay` that is one native
 * `RingProducer` per recorded channel (the replay driver then *is* the device: rings are named with
 * `ringName(prefix, channel)` and sized from the recording); tests use `MemorySink`.
 */
import { ringName } from '../../shared/device';
import type { NativeModule, RingProducer } from '../../native/api';
import type { ChannelMeta } from '../record/format';

export interface ReplaySink {
  /**
   * Publish one frame's samples on `channel` stamped as acquired at `tAcquiredNs`. Ring sinks return
   * the ring sequence number the frame got (what display frames of it carry).
   */
  publish(channel: number, payload: Uint8Array, tAcquiredNs: number, flags: number): number | void;
  /** Keep the producer heartbeat fresh while paused (consumers treat silence as a dead device). */
  heartbeat?(): void;
  close(): void;
}

/** Create one ring per channel (geometry from the recording) and publish into them. */
export function ringSink(native: Pick<NativeModule, 'createRing'>, prefix: string, channels: readonly ChannelMeta[], slots = 4): ReplaySink & { producers: Map<number, RingProducer> } {
  const producers = new Map<number, RingProducer>();
  try {
    for (const c of channels) {
      producers.set(c.channel, native.createRing({ name: ringName(prefix, c.channel), channel: c.channel, lines: c.lines, samples: c.samples, dtype: c.dtype, slots }));
    }
  } catch (e) {
    for (const p of producers.values()) p.close();
    throw e;
  }
  return {
    producers,
    publish(channel, payload, tAcquiredNs, flags) {
      const p = producers.get(channel);
      if (!p) throw new Error(`replay: no ring for channel ${channel}`);
      return p.publish(payload, tAcquiredNs, flags, 0);
    },
    heartbeat() {
      for (const p of producers.values()) p.heartbeat();
    },
    close() {
      for (const p of producers.values()) p.close();
      producers.clear();
    },
  };
}

/** In-memory sink for tests: remembers what was published (payload copies optional). */
export class MemorySink implements ReplaySink {
  readonly frames: { channel: number; tAcquiredNs: number; flags: number; firstWord: number; bytes?: Uint8Array }[] = [];
  closed = false;
  constructor(private keepBytes = false) {}
  publish(channel: number, payload: Uint8Array, tAcquiredNs: number, flags: number): void {
    const firstWord = payload.byteLength >= 4 ? (payload[0] | (payload[1] << 8) | (payload[2] << 16) | (payload[3] << 24)) >>> 0 : 0;
    this.frames.push({ channel, tAcquiredNs, flags, firstWord, bytes: this.keepBytes ? payload.slice() : undefined });
  }
  close(): void {
    this.closed = true;
  }
}
