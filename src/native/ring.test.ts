/**
 * Shared-memory ring: single-process semantics (wrap-around, gaps, overrun, waits, errors) and
 * cross-process behaviour with real child processes (torn reads under a concurrent writer, two
 * consumer processes, producer death, stale-ring reclaim).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DType, FrameFlag, newFrameHeader, readFrameHeader } from '../shared/frame-header';
import { ringName } from '../shared/device';
import { READ_INFO_LENGTH, ReadInfo, ReadStatus, type RingConsumer } from './api';
import { loadNative } from './load';
import { checkPattern, cleanShm, fillPattern, shmEntries, spawnRingChild, testPrefix } from './test-helpers';

const n = loadNative();
const prefix = testPrefix('ring');
afterAll(() => cleanShm(prefix));

let counter = 0;
function makeRing(slots: number, lines = 4, samples = 16) {
  const name = ringName(prefix, counter++);
  const p = n.createRing({ name, channel: 7, lines, samples, dtype: DType.U16, slots });
  const c = n.openRing(name);
  const bufs = { hdr: new Uint8Array(64), pay: new Uint32Array(p.payloadBytes / 4), info: new Float64Array(READ_INFO_LENGTH) };
  const src = new Uint32Array(p.payloadBytes / 4);
  const publish = (seq?: number, flags = 0) => {
    const s = seq ?? 0;
    fillPattern(src, s === 0 ? (lastPub = lastPub + 1) : (lastPub = s));
    return p.publish(src, n.monotonicNs(), flags, s);
  };
  let lastPub = 0;
  return { name, p, c, publish, ...bufs };
}

const waitP = (c: RingConsumer, after: number, ms: number) => new Promise<number>((res) => c.wait(after, ms, res));

describe('ring (one process)', () => {
  it('publishes frames with a complete frame header and copies them out', () => {
    const r = makeRing(4, 3, 8);
    expect(r.c.readLatest(r.hdr, r.pay, r.info)).toBe(ReadStatus.NoNewFrame);
    const t = n.monotonicNs();
    expect(r.publish()).toBe(1);
    expect(r.c.readLatest(r.hdr, r.pay, r.info)).toBe(ReadStatus.Frame);
    const h = readFrameHeader(r.hdr, newFrameHeader());
    expect(h).toMatchObject({ channel: 7, seq: 1, lines: 3, samples: 8, dtype: DType.U16, payloadBytes: 48, flags: 0 });
    expect(h.tAcquiredNs).toBeGreaterThanOrEqual(t);
    expect(h.tRingWriteNs).toBeGreaterThanOrEqual(h.tAcquiredNs);
    expect(r.info[ReadInfo.tAcquiredNs]).toBe(h.tAcquiredNs);
    expect(r.info[ReadInfo.tCopiedNs]).toBeGreaterThanOrEqual(h.tRingWriteNs);
    expect(checkPattern(r.pay, 1)).toBe(true);
    expect(r.c.readLatest(r.hdr, r.pay, r.info)).toBe(ReadStatus.NoNewFrame);
    expect(r.c).toMatchObject({ channel: 7, lines: 3, samples: 8, dtype: DType.U16, slots: 4, payloadBytes: 48, ownerPid: process.pid });
    r.c.close();
    r.p.close();
  });

  it('wraps around many times and readLatest always returns the newest intact frame', () => {
    const r = makeRing(3);
    for (let s = 1; s <= 100; s++) {
      r.publish();
      if (s % 7 === 0) {
        expect(r.c.readLatest(r.hdr, r.pay, r.info)).toBe(ReadStatus.Frame);
        expect(r.info[ReadInfo.seq]).toBe(s);
        expect(checkPattern(r.pay, s)).toBe(true);
        // Skipped frames since the previous read are the gap (latest-wins skips).
        expect(r.info[ReadInfo.gap]).toBe(s === 7 ? 0 : 6);
      }
    }
    r.c.close();
    r.p.close();
  });

  it('readNext reads in order, reports source gaps and overruns with the gap size', () => {
    const r = makeRing(3);
    r.publish(); // 1
    expect(r.c.readNext(r.hdr, r.pay, r.info)).toBe(ReadStatus.Frame);
    r.publish(); // 2
    r.publish(); // 3
    expect(r.c.readNext(r.hdr, r.pay, r.info)).toBe(ReadStatus.Frame);
    expect([r.info[ReadInfo.seq], r.info[ReadInfo.gap], r.info[ReadInfo.overrun]]).toEqual([2, 0, 0]);
    expect(r.c.readNext(r.hdr, r.pay, r.info)).toBe(ReadStatus.Frame);
    expect(r.info[ReadInfo.seq]).toBe(3);
    // Source gap: the producer jumps 3 → 10; flagged in the header, counted as gap, not overrun.
    r.publish(10);
    expect(r.c.readNext(r.hdr, r.pay, r.info)).toBe(ReadStatus.Frame);
    expect([r.info[ReadInfo.seq], r.info[ReadInfo.gap], r.info[ReadInfo.overrun]]).toEqual([10, 6, 0]);
    expect(r.info[ReadInfo.flags] & FrameFlag.SourceGap).toBe(FrameFlag.SourceGap);
    expect(checkPattern(r.pay, 10)).toBe(true);
    // Overrun: the producer laps the reader (K = 3): 11..18 published, only 16..18 survive.
    for (let i = 0; i < 8; i++) r.publish();
    expect(r.c.readNext(r.hdr, r.pay, r.info)).toBe(ReadStatus.Frame);
    expect([r.info[ReadInfo.seq], r.info[ReadInfo.gap], r.info[ReadInfo.overrun]]).toEqual([16, 5, 1]);
    expect(checkPattern(r.pay, 16)).toBe(true);
    expect(r.c.readNext(r.hdr, r.pay, r.info)).toBe(ReadStatus.Frame);
    expect([r.info[ReadInfo.seq], r.info[ReadInfo.gap]]).toEqual([17, 0]);
    r.c.close();
    r.p.close();
  });

  it('rejects bad arguments with TypeError/RangeError naming the argument', () => {
    const r = makeRing(2);
    expect(() => r.p.publish(new Uint8Array(3), 0)).toThrow(RangeError);
    expect(() => r.p.publish(new Uint8Array(3), 0)).toThrow(/payload/);
    expect(() => r.p.publish({} as any, 0)).toThrow(/payload: expected a TypedArray/);
    r.publish(5);
    expect(() => r.p.publish(r.pay, 0, 0, 4)).toThrow(/seq: must increase/);
    expect(() => r.c.readLatest(new Uint8Array(10), r.pay, r.info)).toThrow(/header: needs at least 64/);
    expect(() => r.c.readLatest(r.hdr, new Uint8Array(4), r.info)).toThrow(/payload: needs at least/);
    expect(() => r.c.readLatest(r.hdr, r.pay, new Float64Array(2))).toThrow(/info: needs at least 8/);
    expect(() => r.c.readLatest(r.hdr, r.pay, new Float32Array(8) as any)).toThrow(TypeError);
    expect(() => r.c.wait(0, -1, () => {})).toThrow(/timeoutMs/);
    expect(() => n.createRing({ name: 'no-slash', channel: 0, lines: 1, samples: 1, dtype: DType.U8, slots: 2 })).toThrow(TypeError);
    expect(() => n.createRing({ name: `/${prefix}-x`, channel: 0, lines: 1, samples: 1, dtype: 9 as DType, slots: 2 })).toThrow(/opts.dtype/);
    expect(() => n.createRing({ name: `/${prefix}-x`, channel: 0, lines: 1, samples: 1, dtype: DType.U8, slots: 1 })).toThrow(/opts.slots/);
    expect(() => n.createRing({ name: r.name, channel: 0, lines: 1, samples: 1, dtype: DType.U8, slots: 2 })).toThrow(/already exists.*alive/);
    expect(() => n.openRing(`/${prefix}-missing`)).toThrow(/shm_open .*No such file or directory/);
    expect(() => n.reclaimStaleRings('')).toThrow(TypeError);
    r.c.close();
    r.p.close();
    expect(() => r.p.publish(r.pay, 0)).toThrow(/closed/);
  });

  it('wait wakes on publish, times out at its deadline, and reports Closed', async () => {
    const r = makeRing(4);
    let t0 = Date.now();
    expect(await waitP(r.c, 0, 60)).toBe(ReadStatus.Timeout);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
    t0 = Date.now();
    const w = waitP(r.c, 0, 5000);
    setTimeout(() => r.publish(), 30);
    expect(await w).toBe(ReadStatus.Frame);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(() => r.c.wait(0, 10, () => {})).not.toThrow();
    expect(() => r.c.wait(0, 10, () => {})).toThrow(/already outstanding/);
    await new Promise((res) => setTimeout(res, 30));
    // waitRead copies on the waiter thread: the frame is in our buffers when the callback runs.
    // Nothing read yet on this consumer: frame 1 is newer than the last read, returned at once.
    expect(await new Promise<number>((res) => r.c.waitRead(r.hdr, r.pay, r.info, 5000, res))).toBe(ReadStatus.Frame);
    expect(r.info[ReadInfo.seq]).toBe(1);
    const wr = new Promise<number>((res) => r.c.waitRead(r.hdr, r.pay, r.info, 5000, res));
    setTimeout(() => r.publish(), 10);
    expect(await wr).toBe(ReadStatus.Frame);
    expect(r.info[ReadInfo.seq]).toBe(2);
    expect(checkPattern(r.pay, 2)).toBe(true);
    // The producer closes: a pending wait ends with Closed, reads report Closed.
    const wc = waitP(r.c, 2, 5000);
    setTimeout(() => r.p.close(), 10);
    expect(await wc).toBe(ReadStatus.Closed);
    expect(r.c.readLatest(r.hdr, r.pay, r.info)).toBe(ReadStatus.Closed);
    expect(shmEntries(r.name.slice(1))).toEqual([]);
    // Closing a consumer with a pending wait ends it with Closed too.
    const r2 = makeRing(2);
    const wc2 = waitP(r2.c, 0, 5000);
    r2.c.close();
    expect(await wc2).toBe(ReadStatus.Closed);
    r2.p.close();
    r.c.close();
  });
});

describe('ring consumer options', () => {
  it('accepts realtime waiter threads (best effort) and validates deadAfterMs', async () => {
    const name = ringName(prefix, 60);
    const p = n.createRing({ name, channel: 0, lines: 1, samples: 8, dtype: DType.U8, slots: 2 });
    expect(() => n.openRing(name, { deadAfterMs: 0 })).toThrow(/opts.deadAfterMs/);
    const c = n.openRing(name, { realtime: true, deadAfterMs: 5000 });
    const hdr = new Uint8Array(64);
    const pay = new Uint8Array(8);
    const info = new Float64Array(READ_INFO_LENGTH);
    const got = new Promise<number>((res) => c.waitRead(hdr, pay, info, 3000, res));
    p.publish(new Uint8Array(8).fill(3), n.monotonicNs());
    expect(await got).toBe(ReadStatus.Frame);
    expect(pay[0]).toBe(3);
    expect(typeof c.realtime).toBe('boolean'); // true where SCHED_FIFO is permitted
    c.close();
    p.close();
  });
});

describe('ring lossless mode', () => {
  it('publish waits for the consumer ack when all slots are unacknowledged; waitSync blocks in place', () => {
    const name = ringName(prefix, 50);
    const p = n.createRing({ name, channel: 0, lines: 1, samples: 16, dtype: DType.U8, slots: 3, lossless: true, losslessTimeoutMs: 150 });
    const c = n.openRing(name);
    const buf = new Uint8Array(16);
    const hdr = new Uint8Array(64);
    const info = new Float64Array(READ_INFO_LENGTH);
    let t = Date.now();
    expect(c.waitSync(0, 40)).toBe(ReadStatus.Timeout);
    expect(Date.now() - t).toBeGreaterThanOrEqual(35);
    for (let i = 0; i < 3; i++) p.publish(buf, 0);
    expect(c.waitSync(0, 1000)).toBe(ReadStatus.Frame);
    // All 3 slots hold unacknowledged frames: the 4th publish waits out its 150 ms timeout.
    t = Date.now();
    p.publish(buf, 0);
    expect(Date.now() - t).toBeGreaterThanOrEqual(120);
    // Read in order from the oldest intact frame, acknowledging each: publishing is immediate again.
    expect(c.readNext(hdr, buf, info)).toBe(ReadStatus.Frame);
    expect(info[ReadInfo.seq]).toBe(2); // frame 1 was overwritten when the wait timed out
    c.ack(info[ReadInfo.seq]);
    t = Date.now();
    p.publish(buf, 0);
    expect(Date.now() - t).toBeLessThan(100);
    c.close();
    p.close();
  });
});

describe('ring (processes)', () => {
  it('never returns a torn frame under a concurrent writer in another process', async () => {
    const name = ringName(prefix, 100);
    // 2 slots and 256 KiB frames: the writer laps the reader constantly, maximising collisions.
    const w = spawnRingChild('writer', { name, lines: 256, samples: 512, slots: 2, ms: 12_000 });
    await w.next((o) => o.ready);
    const c = n.openRing(name);
    const hdr = new Uint8Array(64);
    const pay = new Uint32Array(c.payloadBytes / 4);
    const info = new Float64Array(READ_INFO_LENGTH);
    const hv = new DataView(hdr.buffer);
    let frames = 0;
    let torn = 0;
    let overruns = 0;
    let last = 0;
    // Until enough frames and caught collisions, within a time budget (the machine may be loaded).
    const t0 = Date.now();
    while (Date.now() - t0 < 8000 && (frames < 150 || overruns < 5)) {
      const st = c.readLatest(hdr, pay, info);
      if (st === ReadStatus.Closed) break;
      if (info[ReadInfo.overrun]) overruns++;
      if (st !== ReadStatus.Frame) continue;
      const seq = info[ReadInfo.seq];
      if (hv.getUint32(16, true) !== seq || !checkPattern(pay, ((seq - 1) % 16) + 1) || seq <= last) torn++;
      last = seq;
      frames++;
    }
    const published = c.latestSeq();
    w.proc.kill('SIGTERM');
    await w.exited;
    c.close();
    expect(torn).toBe(0);
    expect(frames).toBeGreaterThan(30);
    expect(published).toBeGreaterThan(frames);
    // The writer really did rewrite slots under our copies (else this test proves nothing).
    expect(overruns).toBeGreaterThan(0);
    console.log(`torn-read test: ${frames} frames verified, ${published} published, ${overruns} overruns caught`);
  });

  it('feeds two consumer processes at once, each frame intact and in order', async () => {
    const name = ringName(prefix, 101);
    const p = n.createRing({ name, channel: 1, lines: 64, samples: 256, dtype: DType.U16, slots: 4 });
    const readers = [spawnRingChild('reader', { name }), spawnRingChild('reader', { name })];
    await Promise.all(readers.map((r) => r.next((o) => o.ready)));
    const src = new Uint32Array(p.payloadBytes / 4);
    const N = 60;
    for (let s = 1; s <= N; s++) {
      fillPattern(src, s);
      p.publish(src, n.monotonicNs());
      await new Promise((res) => setTimeout(res, 8));
    }
    p.close();
    const results = await Promise.all(readers.map((r) => r.next((o) => o.status !== undefined)));
    for (const res of results) {
      expect(res.status).toBe(ReadStatus.Closed);
      expect(res.bad).toBe(0);
      expect(res.last).toBe(N);
      // Latest-wins may skip under load, but every frame after the first is read or counted as gap.
      expect(res.first).toBeLessThanOrEqual(3);
      expect(res.frames + res.gaps).toBe(N - res.first + 1);
      expect(res.frames).toBeGreaterThan(N / 2);
    }
    await Promise.all(readers.map((r) => r.exited));
  });

  it('detects a producer killed with SIGKILL (pending wait ends with ProducerDead)', async () => {
    const name = ringName(prefix, 102);
    const w = spawnRingChild('writer', { name, lines: 2, samples: 8, slots: 2, frames: 3 });
    await w.next((o) => o.published === 3);
    const c = n.openRing(name, { deadAfterMs: 10_000 });
    const hdr = new Uint8Array(64);
    const pay = new Uint8Array(c.payloadBytes);
    const info = new Float64Array(READ_INFO_LENGTH);
    expect(c.readLatest(hdr, pay, info)).toBe(ReadStatus.Frame);
    expect(c.status()).toBe(0);
    const t0 = Date.now();
    const dead = waitP(c, 3, 8000);
    setTimeout(() => w.proc.kill('SIGKILL'), 50);
    expect(await dead).toBe(ReadStatus.ProducerDead);
    // Detected through the owner pid within a fraction of the 10 s heartbeat threshold.
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(c.readLatest(hdr, pay, info)).toBe(ReadStatus.ProducerDead);
    c.close();
  });

  it('reclaims the rings of a crashed run, and only those', async () => {
    const crashPrefix = `${prefix}-crash`;
    const names = [ringName(crashPrefix, 0), ringName(crashPrefix, 1), ringName(crashPrefix, 2)];
    const w = spawnRingChild('writer', { name: names[0], lines: 2, samples: 8, slots: 2, frames: 1, extraRings: names.slice(1) });
    await w.next((o) => o.extra === 2);
    const live = n.createRing({ name: ringName(crashPrefix, 9), channel: 9, lines: 1, samples: 4, dtype: DType.U8, slots: 2 });
    expect(n.reclaimStaleRings(crashPrefix)).toEqual([]); // owner alive: nothing is stale
    w.proc.kill('SIGKILL');
    await w.exited;
    expect(shmEntries(crashPrefix).length).toBe(4);
    expect(n.reclaimStaleRings(crashPrefix).sort()).toEqual(names.sort());
    expect(shmEntries(crashPrefix)).toEqual([ringName(crashPrefix, 9).slice(1)]);
    // A new producer may take over a dead owner's name directly too.
    live.close();
    expect(shmEntries(crashPrefix)).toEqual([]);
  });
});

