import { afterEach, describe, expect, it } from 'vitest';
import { DH, DISPLAY_HEADER_OFFSET, DISPLAY_PIXELS_OFFSET, Hop, TIMING_OFFSET } from '../shared/display-frame';
import { DType, FrameFlag, readFrameHeader } from '../shared/frame-header';
import { ChannelLoop, auxChannelOf } from './channel-loop';
import { PortDisplaySink, type DisplaySink } from './display-sink';
import { FakeRing, fakeNative } from './testing/fake-native';
import { TestProcessor, testCascade } from './testing/test-processor';

class CaptureSink implements DisplaySink {
  readonly outputRing = null;
  bytes = 0;
  frames: Uint8Array[] = [];
  resize(bytes: number): number {
    this.bytes = bytes;
    return bytes;
  }
  emit(frame: Uint8Array): boolean {
    this.frames.push(frame.slice());
    return true;
  }
  close(): void {}
}

const L = 8;
const S = 16;
let loop: ChannelLoop | null = null;
afterEach(() => {
  loop?.close();
  loop = null;
});

function setup(cascade = testCascade({ lines: L, samples: S, factor: 2 })) {
  const ring = new FakeRing('/t-ch0', 0, L, S);
  const sink = new CaptureSink();
  loop = new ChannelLoop({ native: fakeNative({ '/t-ch0': ring }), channel: 0, prefix: 't', createProcessor: () => new TestProcessor(), sink, waitTimeoutMs: 50 });
  const res = loop.configure(cascade);
  return { ring, sink, loop, res };
}

const until = async (pred: () => boolean, ms = 2000) => {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('ChannelLoop', () => {
  it('turns each ring frame into a display frame: header unchanged, timing stamps, display header, pixels', async () => {
    const { ring, sink, loop, res } = setup();
    expect(res.ok).toBe(true);
    loop.start();
    const px = new Uint16Array(L * S).fill(65535);
    ring.publish(px);
    await until(() => sink.frames.length === 1);
    const f = sink.frames[0];
    const h = readFrameHeader(f);
    expect(h.seq).toBe(1);
    expect(h.lines).toBe(L);
    const t = new Float64Array(f.buffer, TIMING_OFFSET, 16);
    expect(t[Hop.Acquired]).toBeGreaterThan(0);
    expect(t[Hop.PickedUp]).toBeGreaterThanOrEqual(t[Hop.RingWrite]);
    expect(t[Hop.CascadeDone]).toBeGreaterThanOrEqual(t[Hop.PickedUp]);
    expect(t[Hop.Sent]).toBeGreaterThanOrEqual(t[Hop.CascadeDone]);
    expect(t[Hop.Received]).toBe(0);
    const dh = new DataView(f.buffer, DISPLAY_HEADER_OFFSET, 32);
    expect(dh.getUint32(DH.width, true)).toBe(S / 2);
    expect(dh.getUint32(DH.height, true)).toBe(L / 2);
    expect(dh.getUint16(DH.dtype, true)).toBe(DType.U8);
    expect(f.byteLength).toBe(DISPLAY_PIXELS_OFFSET + (L / 2) * (S / 2));
    expect(f[DISPLAY_PIXELS_OFFSET]).toBe(255);
  });

  it('takes the latest frame and counts the ones it skipped; source gaps are counted as gaps', async () => {
    const { ring, sink, loop } = setup();
    loop.start();
    ring.publish(new Uint16Array(L * S));
    await until(() => sink.frames.length === 1);
    // Three frames arrive while the loop is busy (no macrotask in between): it takes only the last.
    ring.publish(new Uint16Array(L * S));
    ring.publish(new Uint16Array(L * S));
    ring.publish(new Uint16Array(L * S));
    await until(() => sink.frames.length === 2);
    expect(readFrameHeader(sink.frames[1]).seq).toBe(4);
    expect(loop.stats.skipped).toBe(2);
    expect(new DataView(sink.frames[1].buffer, DISPLAY_HEADER_OFFSET, 32).getUint32(DH.skipped, true)).toBe(2);
    ring.publish(new Uint16Array(L * S), 5, FrameFlag.SourceGap);
    await until(() => sink.frames.length === 3);
    expect(loop.stats.gaps).toBe(5);
    expect(loop.stats.skipped).toBe(2);
    expect(loop.stats.outOfOrder).toBe(0);
    const st = loop.stats;
    expect(st.framesIn + st.skipped + st.gaps).toBe(st.lastPickedSeq - st.firstSeq + 1);
  });

  it('paced (display on demand): passes the frames nobody asked for, processes the next one after a pull, every number accounted', async () => {
    const { ring, sink, loop } = setup();
    const passed: number[] = [];
    loop.onPassedFrame = (seq) => passed.push(seq);
    loop.setPaced(true);
    loop.start();
    for (let i = 0; i < 3; i++) {
      ring.publish(new Uint16Array(L * S));
      await until(() => passed.length === i + 1);
    }
    expect(passed).toEqual([1, 2, 3]);
    expect(sink.frames).toHaveLength(0); // no cascade ran
    expect(loop.stats.framesIn).toBe(0);
    expect(loop.stats.skipped).toBe(3);
    loop.pull();
    loop.pull(); // coalesced: one frame per outstanding request
    ring.publish(new Uint16Array(L * S).fill(65535)); // the next frame is the one processed
    await until(() => sink.frames.length === 1);
    expect(readFrameHeader(sink.frames[0]).seq).toBe(4);
    expect(sink.frames[0][DISPLAY_PIXELS_OFFSET]).toBe(255);
    // The display frame carries the frames passed since the last one as skipped (latest-wins).
    expect(new DataView(sink.frames[0].buffer, DISPLAY_HEADER_OFFSET, 32).getUint32(DH.skipped, true)).toBe(3);
    ring.publish(new Uint16Array(L * S));
    await until(() => passed.length === 4);
    await new Promise((r) => setTimeout(r, 80)); // past the wait's timeout: nothing asked, nothing done
    expect(sink.frames).toHaveLength(1);
    // A pull that meets no newer frame within the wait (source paused) gets the frame already
    // passed: the display shows where the source is. It stops being a skip; nothing is out of order.
    loop.pull();
    await until(() => sink.frames.length === 2);
    expect(readFrameHeader(sink.frames[1]).seq).toBe(5);
    expect(new DataView(sink.frames[1].buffer, DISPLAY_HEADER_OFFSET, 32).getUint32(DH.skipped, true)).toBe(0);
    expect([loop.stats.framesIn, loop.stats.skipped, loop.stats.outOfOrder]).toEqual([2, 3, 0]);
    // Pacing off: every frame is processed again.
    loop.setPaced(false);
    ring.publish(new Uint16Array(L * S));
    await until(() => sink.frames.length === 3);
    const st = loop.stats;
    expect([st.framesIn, st.skipped, st.gaps, st.outOfOrder]).toEqual([3, 3, 0, 0]);
    expect(st.framesIn + st.skipped + st.gaps).toBe(st.lastPickedSeq - st.firstSeq + 1);
  });

  it('Electron port mode, paced by the renderer\'s answers: one cascade run per frame the renderer takes', async () => {
    const ring = new FakeRing('/t-ch0', 0, L, S);
    const sink = new PortDisplaySink(0, 30);
    class FailsOnce extends TestProcessor {
      private failures = 1;
      override run(...args: Parameters<TestProcessor['run']>): ReturnType<TestProcessor['run']> {
        if (this.failures-- > 0) throw new Error('stage failed');
        return super.run(...args);
      }
    }
    const l = new ChannelLoop({ native: fakeNative({ '/t-ch0': ring }), channel: 0, prefix: 't', createProcessor: () => new FailsOnce(), sink, waitTimeoutMs: 50 });
    loop = l;
    const errors: unknown[] = [];
    l.onFrameError = (e) => errors.push(e);
    expect(l.configure(testCascade({ lines: L, samples: S, factor: 2 })).ok).toBe(true);
    const posted: Uint8Array[] = [];
    let answer: () => void = () => undefined;
    sink.setPort({ postMessage: (m: unknown) => posted.push(m as Uint8Array), on: (ev: string, cb: () => void) => { if (ev === 'message') answer = cb; } });
    // What channel-worker.ts does in port mode:
    l.onPassedFrame = (seq) => sink.passed(seq);
    l.setPaced(true);
    l.start();
    sink.setPaced(() => l.pull());
    ring.publish(new Uint16Array(L * S)); // its cascade run fails: the pull stays open
    await until(() => errors.length === 1);
    ring.publish(new Uint16Array(L * S));
    await until(() => posted.length === 1);
    expect(readFrameHeader(posted[0]).seq).toBe(2);
    for (let i = 0; i < 4; i++) {
      ring.publish(new Uint16Array(L * S)); // the renderer has not answered: passed, no cascade run
      await until(() => l.stats.skipped === i + 1);
    }
    expect([posted.length, l.stats.framesIn]).toEqual([1, 2]);
    expect(sink.replaced).toBe(0); // nothing computed only to be replaced
    answer(); // drawn: the next source frame is processed and posted
    ring.publish(new Uint16Array(L * S).fill(65535));
    await until(() => posted.length === 2);
    expect(readFrameHeader(posted[1]).seq).toBe(7);
    expect(l.stats.framesIn).toBe(3);
    sink.close();
  });

  it('paced: pacing switched off during a pause processes the passed frame once, not out of order', async () => {
    const { ring, sink, loop } = setup();
    loop.setPaced(true);
    loop.start();
    ring.publish(new Uint16Array(L * S));
    await until(() => loop.stats.skipped === 1);
    ring.publish(new Uint16Array(L * S));
    await until(() => loop.stats.skipped === 2);
    loop.setPaced(false); // the last client left while the source is paused
    await until(() => sink.frames.length === 1);
    await new Promise((r) => setTimeout(r, 120));
    expect(sink.frames).toHaveLength(1);
    const st = loop.stats;
    expect([st.framesIn, st.skipped, st.outOfOrder]).toEqual([1, 1, 0]);
    expect(st.framesIn + st.skipped + st.gaps).toBe(st.lastPickedSeq - st.firstSeq + 1);
  });

  it('rejects an invalid cascade with the validation message and keeps running the old one', async () => {
    const { ring, sink, loop } = setup();
    loop.start();
    const bad = testCascade({ lines: L, samples: S, factor: 3 });
    const res = loop.configure(bad);
    expect(res.ok).toBe(false);
    expect(!res.ok && res.error).toMatch(/params\.factor: 3 does not divide 8x16/);
    const unknown = { ...testCascade({ lines: L, samples: S }), stages: [{ id: 'x', type: 'nope', input: 'input' }] };
    const res2 = loop.configure(unknown);
    expect(!res2.ok && res2.error).toMatch(/stages\[0\]\.type: unknown stage type "nope"/);
    ring.publish(new Uint16Array(L * S));
    await until(() => sink.frames.length === 1);
    expect(new DataView(sink.frames[0].buffer, DISPLAY_HEADER_OFFSET, 32).getUint32(DH.width, true)).toBe(S / 2);
  });

  it('applies a new cascade from the next frame on (new display geometry)', async () => {
    const { ring, sink, loop } = setup();
    loop.start();
    ring.publish(new Uint16Array(L * S));
    await until(() => sink.frames.length === 1);
    expect(loop.configure(testCascade({ lines: L, samples: S, factor: 4 })).ok).toBe(true);
    expect(sink.bytes).toBe(DISPLAY_PIXELS_OFFSET + (L / 4) * (S / 4));
    ring.publish(new Uint16Array(L * S));
    await until(() => sink.frames.length === 2);
    expect(new DataView(sink.frames[1].buffer, DISPLAY_HEADER_OFFSET, 32).getUint32(DH.width, true)).toBe(S / 4);
  });

  it('maps aux names to channels and refuses unknown ones', () => {
    expect(auxChannelOf('ref')).toBe(255);
    expect(auxChannelOf('ch3')).toBe(3);
    expect(auxChannelOf('hum')).toBeNull();
    const { loop } = setup();
    const spec = testCascade({ lines: L, samples: S });
    const res = loop.configure({ ...spec, input: { ...spec.input, aux: { hum: { dtype: 'uint16' } } } });
    expect(!res.ok && res.error).toMatch(/input\.aux\.hum: unknown aux source/);
  });
});
