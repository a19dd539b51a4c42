/**
 * The Engine facade end to end: native simulated device → rings → worker processes → display
 * frames delivered through `onDisplayFrame`, health, live reconfiguration, clean stop.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CascadeSpec } from '../shared/cascade-spec';
import { DH, DISPLAY_HEADER_OFFSET, DISPLAY_PIXELS_OFFSET, Hop, TIMING_OFFSET } from '../shared/display-frame';
import { DType, FrameFlag, readFrameHeader } from '../shared/frame-header';
import { testCascade } from '../workers/testing/test-processor';
import { Engine, type DisplayFrameLease } from './engine';
import { realtimeWanted } from '../native/realtime-env';
import { listShm } from './shm-cleanup';
import { isAlive, sleep, waitFor } from './testing/harness';

let engine: Engine | null = null;
let n = 0;
const prefix = () => `spe${process.pid}x${n++}`;

afterEach(async () => {
  if (!engine) return;
  const pids = engine.info.channels.map((c) => engine!.pid(c)).filter((p): p is number => p !== null);
  const pfx = engine.info.prefix;
  await engine.stop();
  engine = null;
  for (const p of pids) expect(isAlive(p)).toBe(false);
  expect(listShm(pfx)).toEqual([]);
});

const small = { lines: 64, samples: 128, processor: 'test' as const, log: () => {} };

describe('Engine', () => {
  it('reports health at its default interval when no interval is given (not every millisecond)', async () => {
    engine = await Engine.start({ ...small, channels: 2, fps: 30, prefix: prefix(), cascade: testCascade({ lines: 64, samples: 128, factor: 2 }) });
    let reports = 0;
    engine.onHealth(() => reports++);
    await sleep(1500);
    // 500 ms interval → 3 reports, plus one per state change; the bug this guards against gave ~1000.
    expect(reports).toBeGreaterThan(0);
    expect(reports).toBeLessThan(10);
  });

  it('display on demand: paced workers pass frames nobody asked for and make one display frame per pull', async () => {
    engine = await Engine.start({ ...small, channels: 2, fps: 30, prefix: prefix(), cascade: testCascade({ lines: 64, samples: 128, factor: 2 }) });
    const frames: number[] = [];
    const passed: number[] = [];
    engine.onDisplayFrame((f) => frames.push(f.channel));
    engine.onFramePassed((ch) => passed.push(ch));
    await waitFor(() => frames.length > 4, 5000, 'free-running frames');
    engine.setDisplayPaced(true);
    await sleep(200); // the pace message reaches the workers
    frames.length = 0;
    passed.length = 0;
    await sleep(500);
    expect(frames).toEqual([]); // nobody asked
    expect(passed.filter((c) => c === 0).length).toBeGreaterThan(8); // 30 fps read and passed
    expect(passed.filter((c) => c === 1).length).toBeGreaterThan(8);
    expect(engine.pullDisplayFrame(1)).toBe(true);
    expect(engine.pullDisplayFrame(1)).toBe(true); // coalesced with the first
    await waitFor(() => frames.length > 0, 2000, 'the pulled frame');
    await sleep(300);
    expect(frames).toEqual([1]);
    engine.setDisplayPaced(false);
    await waitFor(() => frames.filter((c) => c === 0).length > 3, 3000, 'free-running again');
  });

  it('delivers display frames of every channel from the sim device, with hop stamps in order', async () => {
    engine = await Engine.start({ ...small, channels: 3, fps: 30, prefix: prefix(), cascade: testCascade({ lines: 64, samples: 128, factor: 2 }) });
    const perChannel = new Map<number, number>();
    const lastSeq = new Map<number, number>();
    let bad = 0;
    let unexplained = 0;
    engine.onDisplayFrame((f) => {
      const h = readFrameHeader(f.bytes);
      // Every sequence number missing between two display frames is accounted for in the later
      // frame's display header: skipped (latest-wins) or a gap the source itself flagged.
      const dh = new DataView(f.bytes.buffer, f.bytes.byteOffset + DISPLAY_HEADER_OFFSET, 32);
      const prev = lastSeq.get(f.channel);
      // (Exact when the relay delivered the previous display frame too; a frame superseded in the
      // output ring before the host read it carries its own counts away: `relaySkipped`.)
      if (prev !== undefined && f.relaySkipped === 0 && h.seq - prev - 1 !== dh.getUint32(DH.skipped, true) + dh.getUint32(DH.gap, true)) unexplained++;
      if (f.seq !== h.seq) unexplained++;
      if (dh.getUint32(DH.gap, true) > 0 && !(h.flags & FrameFlag.SourceGap)) unexplained++;
      lastSeq.set(f.channel, h.seq);
      const t = new Float64Array(f.bytes.buffer, f.bytes.byteOffset + TIMING_OFFSET, 8);
      if (h.channel !== f.channel || !(h.flags & FrameFlag.Simulated)) bad++;
      if (!(t[Hop.Acquired] <= t[Hop.RingWrite] && t[Hop.RingWrite] <= t[Hop.PickedUp] && t[Hop.PickedUp] <= t[Hop.CascadeDone] && t[Hop.CascadeDone] <= t[Hop.Sent])) bad++;
      perChannel.set(f.channel, (perChannel.get(f.channel) ?? 0) + 1);
    });
    await sleep(2000);
    expect(bad, "frames with a wrong channel label or hop stamps out of order").toBe(0);
    expect(unexplained, "sequence jumps not explained by the skipped/gap fields").toBe(0);
    for (const c of [0, 1, 2]) expect(perChannel.get(c) ?? 0).toBeGreaterThan(40);
    const health = engine.health();
    expect(health.map((h) => h.state)).toEqual(['running', 'running', 'running']);
    expect(health.map((h) => [h.fpsIn > 20, h.fpsOut > 20])).toEqual([[true, true], [true, true], [true, true]]);
    expect(engine.relayStats().every((r) => r.relayed > 40)).toBe(true);
    // The device thread runs real-time exactly when asked (SPECULA_REALTIME=1) and permitted, and says which.
    const prio = engine.acquisitionPriority();
    const probe = engine.native.realtimeProbe!();
    expect(prio).not.toBeNull();
    expect(prio!.realtime).toBe(realtimeWanted() && probe.permitted && !probe.disabledByEnv);
    expect(prio!.state).toMatch(prio!.realtime ? /^SCHED_FIFO \d+/ : /normal priority/);
  });

  it('leases: a retained frame keeps its bytes; when all buffers are held, frames are dropped and counted, not queued', async () => {
    engine = await Engine.start({ ...small, channels: 1, fps: 30, prefix: prefix(), relayPoolSize: 2, cascade: testCascade({ lines: 64, samples: 128, factor: 2 }) });
    const held: DisplayFrameLease[] = [];
    const seqs: number[] = [];
    engine.onDisplayFrame((f) => {
      if (held.length < 2) {
        f.retain();
        held.push(f);
        seqs.push(readFrameHeader(f.bytes).seq);
      }
    });
    await waitFor(() => held.length === 2, 3000, 'two retained frames');
    await sleep(300);
    // Held buffers were not overwritten by newer frames.
    expect(held.map((f) => readFrameHeader(f.bytes).seq)).toEqual(seqs);
    const dropped = engine.relayStats()[0].dropped;
    expect(dropped).toBeGreaterThan(3);
    held.forEach((f) => f.release());
    expect(() => held[0].release()).toThrow(/released more often than retained/);
    const relayed = engine.relayStats()[0].relayed;
    await sleep(300);
    expect(engine.relayStats()[0].relayed).toBeGreaterThan(relayed + 3);
  });

  it('refuses to start with an invalid cascade, naming the problem, and leaves nothing behind', async () => {
    const pfx = prefix();
    await expect(Engine.start({ ...small, channels: 2, fps: 30, prefix: pfx, cascade: testCascade({ lines: 64, samples: 128, factor: 5 }) }))
      .rejects.toThrow(/params\.factor: 5 does not divide 64x128/);
    await sleep(100);
    expect(listShm(pfx)).toEqual([]);
  });

  it('setCascade applies to all channels live, and rejects a bad one on every channel while they keep running', async () => {
    engine = await Engine.start({ ...small, channels: 2, fps: 30, prefix: prefix(), cascade: testCascade({ lines: 64, samples: 128, factor: 2 }) });
    const width = new Map<number, number>();
    engine.onDisplayFrame((f) => width.set(f.channel, new DataView(f.bytes.buffer, f.bytes.byteOffset + DISPLAY_HEADER_OFFSET, 32).getUint32(DH.width, true)));
    await expect(engine.setCascade('all', { name: 'broken' } as unknown as CascadeSpec)).rejects.toThrow(/cascade rejected on channel\(s\) 0, 1/);
    await sleep(200);
    expect([width.get(0), width.get(1)]).toEqual([64, 64]);
    await engine.setCascade('all', testCascade({ name: 'eighth', lines: 64, samples: 128, factor: 8 }));
    await sleep(300);
    expect([width.get(0), width.get(1)]).toEqual([16, 16]);
    expect(engine.health().map((h) => h.cascade)).toEqual(['eighth', 'eighth']);
  });

  it('a stalled channel shows as stalled (last-frame age grows) while the others flow; stop/start one channel', async () => {
    engine = await Engine.start({ ...small, channels: 2, fps: 30, prefix: prefix(), healthIntervalMs: 100, cascade: testCascade({ lines: 64, samples: 128, factor: 2 }) });
    await sleep(300);
    engine.stall(1, true);
    await sleep(1200);
    const [h0, h1] = engine.health();
    expect(h1.lastFrameAgeMs).toBeGreaterThan(800);
    expect(h0.lastFrameAgeMs).toBeLessThan(300);
    expect(h1.state).toBe('running');
    engine.stall(1, false);
    // Stopping one channel ends its process and lists it as stopped; starting it brings it back.
    const pid1 = engine.pid(1)!;
    await engine.stopChannel(1);
    expect(engine.health()[1].state).toBe('stopped');
    expect(engine.pid(1)).toBeNull();
    expect(isAlive(pid1)).toBe(false);
    expect(engine.health()[0].state).toBe('running');
    await engine.startChannel(1);
    expect(engine.health()[1].state).toBe('running');
    await waitFor(() => (engine!.workerStats(1)?.framesOut ?? 0) > 3, 3000, 'ch1 frames after restart');
    expect(Object.keys(engine.stageMs(1) ?? {})).toEqual(['d']);
  });

  it('runs the reference cascade (with the reference channel as NLMS aux input) on full-size frames', async () => {
    const reference = JSON.parse(readFileSync(new URL('../../resources/cascades/reference.json', import.meta.url), 'utf8')) as CascadeSpec;
    engine = await Engine.start({ channels: 1, fps: 5, prefix: prefix(), cascade: reference, log: () => {} });
    let frame: Uint8Array | null = null;
    engine.onDisplayFrame((f) => {
      frame = f.bytes.slice();
    });
    await waitFor(() => frame !== null, 8000, 'a reference display frame');
    const dh = new DataView(frame!.buffer, DISPLAY_HEADER_OFFSET, 32);
    expect([dh.getUint32(DH.width, true), dh.getUint32(DH.height, true), dh.getUint16(DH.dtype, true)]).toEqual([256, 512, DType.U8]);
    expect(frame!.byteLength).toBe(DISPLAY_PIXELS_OFFSET + 256 * 512);
    // Real optical data: the image is not flat.
    const px = frame!.subarray(DISPLAY_PIXELS_OFFSET);
    let lo = 255;
    let hi = 0;
    for (const v of px) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    expect(hi - lo).toBeGreaterThan(50);
  });
});
