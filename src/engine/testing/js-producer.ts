/**
 * A test producer written in JS: publishes synthetic uint16 frames on N rings at a given rate from
 * the test process (phase-staggered like the sim device). Lets supervisor tests run against real
 * rings and real worker processes without depending on the simulated device.
 */
import { DType } from '../../shared/frame-header';
import { ringName } from '../../shared/device';
import type { NativeModule, RingProducer } from '../../native/api';

export class JsProducer {
  private readonly rings: RingProducer[] = [];
  private readonly frame: Uint16Array;
  private timers: NodeJS.Timeout[] = [];
  readonly published: number[];

  constructor(
    private readonly native: NativeModule,
    readonly prefix: string,
    readonly channels: number[],
    readonly lines = 64,
    readonly samples = 128,
  ) {
    this.frame = new Uint16Array(lines * samples);
    for (let i = 0; i < this.frame.length; i++) this.frame[i] = (i * 37) % 65536;
    for (const ch of channels) this.rings.push(native.createRing({ name: ringName(prefix, ch), channel: ch, lines, samples, dtype: DType.U16, slots: 4 }));
    this.published = channels.map(() => 0);
  }

  start(fps: number): void {
    const period = 1000 / fps;
    this.rings.forEach((r, i) => {
      const kick = setTimeout(() => {
        const t = setInterval(() => {
          this.frame[0] = this.published[i] & 0xffff;
          r.publish(this.frame, this.native.monotonicNs());
          this.published[i]++;
        }, period);
        this.timers.push(t);
      }, (period * i) / this.rings.length);
      this.timers.push(kick);
    });
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  close(): void {
    this.stop();
    for (const r of this.rings) r.close(true);
  }
}
