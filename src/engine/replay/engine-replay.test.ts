/**
 * Replay inside the live engine (the source switch): real sim device, rings and worker processes.
 * Live 3 channels of 600×1024 → the bundled sample (2 channels + reference, 16×1024) → live again.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CascadeSpec } from '../../shared/cascade-spec';
import { DISPLAY_PIXELS_OFFSET } from '../../shared/display-frame';
import { FrameFlag, readFrameHeader } from '../../shared/frame-header';
import { Engine } from '../engine';
import { Recording } from '../record/recording';
import { loadPreset } from '../../host/server/presets';
import { EngineHost } from '../../host/server/engine-host';
import type { BridgeEventName } from '../../shared/bridge';
import { makeRecording, tempDir } from '../record/test-util';
import { isAlive, listShm, waitFor } from '../testing/harness';
import { attachRecordReplay, findRecordingsResourceDir } from './attach';

const SAMPLE = join(findRecordingsResourceDir()!, 'sample.mcap');
const PRESETS = join(findRecordingsResourceDir()!, '..', 'cascades');

interface Seen { channel: number; seq: number; flags: number; pixels: Uint8Array }

let engine: Engine | null = null;
const pids = new Set<number>();
const notePids = () => { for (const c of engine!.info.channels) { const p = engine!.pid(c); if (p) pids.add(p); } };

afterAll(async () => {
  const pfx = engine?.info.prefix;
  await engine?.stop();
  for (const p of pids) expect(isAlive(p), `worker ${p} still alive`).toBe(false);
  if (pfx) expect(listShm(pfx)).toEqual([]);
});

describe('Engine source switch (replay in the live app)', () => {
  it('replays the sample through the workers, steps/seeks/reprocesses, and goes back live', async () => {
    const light = loadPreset(PRESETS, 'light');
    const oct = loadPreset(PRESETS, 'oct-bscan');
    const rec = await Recording.open(SAMPLE);
    const stored = rec.channelExtra.get(0)!.cascade as CascadeSpec; // "light (16 lines)"
    await rec.close();

    engine = await Engine.start({ channels: 3, fps: 4, cascade: light, prefix: `sprp${process.pid}`, log: () => {} });
    notePids();
    const frames: Seen[] = [];
    engine.onDisplayFrame((f) => {
      const h = readFrameHeader(f.bytes);
      frames.push({ channel: f.channel, seq: h.seq, flags: h.flags, pixels: f.bytes.slice(DISPLAY_PIXELS_OFFSET) });
    });
    // Sequence numbers restart with each source (live device, replay), so a (channel, seq) pair can
    // match an older live frame: look only at frames that arrived after `from` (the frames list
    // length before the action that publishes the frame), newest first.
    const frameOf = (ch: number, seq: number, from = 0) => {
      for (let i = frames.length - 1; i >= from; i--) if (frames[i].channel === ch && frames[i].seq === seq) return frames[i];
      return undefined;
    };
    const waitFrame = async (ch: number, seq: number, from = 0) => { await waitFor(() => !!frameOf(ch, seq, from), 8000, `ch${ch} display frame seq ${seq}`); return frameOf(ch, seq, from)!; };

    // --- switch to the recording: light (600 lines) does not fit 16 lines → the stored cascade.
    const opened = frames.length;
    const ctl = await engine.openReplay(SAMPLE);
    notePids();
    expect(engine.info).toMatchObject({ source: 'replay', channels: [0, 1], lines: 16, samples: 1024, reference: true });
    expect(engine.health().map((h) => [h.channel, h.state])).toEqual([[0, 'running'], [1, 'running']]);
    expect(engine.cascadeOf(0)).toEqual(stored);
    expect(listShm(engine.info.prefix).filter((n) => /-ch\d+$/.test(n)).sort()).toEqual([`${engine.info.prefix}-ch0`, `${engine.info.prefix}-ch1`, `${engine.info.prefix}-ch255`].sort());
    expect(ctl.state()).toMatchObject({ state: 'paused', frameIndex: 0, primaryChannel: 0 });
    const s0 = ctl.ringSeq(0);
    expect(s0).toBeGreaterThan(0);
    for (const ch of [0, 1]) expect((await waitFrame(ch, ctl.ringSeq(ch), opened)).flags & FrameFlag.Replay).toBeTruthy();
    const before = frames.length;

    // --- step / seek: one ring sequence number per frame published, the recorded index follows.
    let m = frames.length;
    await ctl.step(1);
    expect([ctl.currentFrame(0), ctl.ringSeq(0)]).toEqual([1, s0 + 1]);
    await waitFrame(0, s0 + 1, m);
    m = frames.length;
    await ctl.step(3);
    expect([ctl.currentFrame(0), ctl.ringSeq(0)]).toEqual([4, s0 + 2]);
    await waitFrame(0, s0 + 2, m);
    m = frames.length;
    await ctl.seek(ctl.recording.channel(0)!.timeNs[10]);
    expect([ctl.state().frameIndex, ctl.currentFrame(0), ctl.ringSeq(0)]).toEqual([10, 10, s0 + 3]);
    await waitFrame(0, s0 + 3, m);
    m = frames.length;
    await ctl.step(-2);
    expect([ctl.currentFrame(0), ctl.ringSeq(0)]).toEqual([8, s0 + 4]);
    await waitFrame(0, s0 + 4, m);
    expect(frames.slice(before).every((f) => f.channel !== 2 && (f.flags & FrameFlag.Replay) !== 0)).toBe(true);

    // --- change the cascade while paused + refresh: the same recorded frame is reprocessed.
    const refreshWith = async (spec: CascadeSpec) => {
      await engine!.setCascade(0, spec);
      const from = frames.length;
      await ctl.refresh();
      expect(ctl.currentFrame(0)).toBe(8);
      return (await waitFrame(0, ctl.ringSeq(0), from)).pixels;
    };
    const a1 = await refreshWith(stored);
    const b = await refreshWith(oct);
    const a2 = await refreshWith(stored);
    expect(ctl.ringSeq(0)).toBe(s0 + 7);
    expect(Buffer.from(b).equals(Buffer.from(a1))).toBe(false);
    { let d = 0; for (let i = 0; i < a1.length; i++) if (a1[i] !== a2[i]) d++; if (d) console.log('DIFF', d, 'of', a1.length, a1.length === a2.length, 'lens', a1.length, b.length, a2.length, 'frames', JSON.stringify(frames.filter((f) => f.channel === 0).slice(-6).map((f) => [f.seq, f.pixels.length]))); }
    expect(Buffer.from(a2).equals(Buffer.from(a1)), 'same frame + same cascade → same pixels').toBe(true);

    // --- play a little: frames flow at the recorded rate.
    const seqBefore = ctl.ringSeq(0);
    const playing = frames.length;
    ctl.play();
    await waitFor(() => ctl.ringSeq(0) >= seqBefore + 5, 5000, 'replay playing');
    await waitFrame(0, ctl.ringSeq(0), playing);

    // --- back to the live device, with the cascades the live channels had.
    await engine.closeReplay();
    notePids();
    expect(engine.info).toMatchObject({ source: 'simulator', replayPath: null, channels: [0, 1, 2], lines: 600 });
    expect(engine.cascadeOf(0)).toEqual(light);
    expect(engine.health().map((h) => h.state)).toEqual(['running', 'running', 'running']);
    const live = frames.length;
    await waitFor(() => [0, 1, 2].every((c) => frames.slice(live).some((f) => f.channel === c && (f.flags & FrameFlag.Simulated) && !(f.flags & FrameFlag.Replay))), 10000, 'live frames on every channel');
    expect(engine.replay()).toBeNull();
  }, 60_000);

  it('refuses a recording no cascade fits (or a missing file), and stays live', async () => {
    const t = tempDir();
    try {
      const path = join(t.dir, 'tiny.mcap');
      await makeRecording(path, { lines: 8, samples: 16, frames: 3 }); // stores no cascade; light needs ≥ 512 lines
      await expect(engine!.openReplay(path)).rejects.toThrow(/no cascade fits channel 0 \(8×16 uint16\).*stores none/s);
      await expect(engine!.openReplay('/nonexistent/x.mcap')).rejects.toThrow(/x\.mcap/);
    } finally {
      t.cleanup();
    }
    expect(engine!.info.source).toBe('simulator');
    expect(engine!.health().map((h) => h.state)).toEqual(['running', 'running', 'running']);
  }, 30_000);

  it('through the bridge (EngineHost + attachRecordReplay, as `specula serve` wires it): channels, cascades and source follow', async () => {
    const light = loadPreset(PRESETS, 'light');
    const oct = loadPreset(PRESETS, 'oct-bscan');
    const host = new EngineHost(engine!, { mode: 'web', presetDir: PRESETS, cascade: light, relayFrames: true });
    const events: { name: BridgeEventName; data: unknown }[] = [];
    host.onEvent((name, data) => { events.push({ name, data }); });
    const t = tempDir();
    const rr = attachRecordReplay(host, engine!, { recordingsDir: t.dir, cascadeOf: (ch) => host.cascadeOf(ch), replaySource: engine! });
    const seqs: number[] = [];
    const off = host.onFrame((f) => { const fh = readFrameHeader(f.bytes); if (fh.channel === 0) seqs.push(fh.seq); });
    try {
      const h = host.handlers;
      const st = await h['replay.open']!({ path: SAMPLE });
      notePids();
      expect(st).toMatchObject({ state: 'paused', frameIndex: 0 });
      const last = <T>(name: BridgeEventName) => events.filter((e) => e.name === name).at(-1)?.data as T;
      expect(last<{ channel: number; lines: number; cascade: string }[]>('channels').map((c) => [c.channel, c.lines, c.cascade])).toEqual([[0, 16, 'light (16 lines)'], [1, 16, 'light (16 lines)']]);
      expect(last<{ source: string }>('state').source).toBe('replay sample.mcap');
      // A page that (re)loads now asks engine.state: it must say replay too, not the live default.
      expect((await h['engine.state']!({})).source).toBe('replay sample.mcap');
      expect((await h['cascade.get']!({ channel: 1 })).spec.name).toBe('light (16 lines)');
      expect(await h['channels.list']!({})).toHaveLength(2);
      // Edit a channel's cascade during replay, then ↻: the same frame comes again, reprocessed.
      await h['cascade.set']!({ channels: [0], spec: oct });
      const ctl = rr.replay()!;
      const n = seqs.length;
      await h['replay.control']!({ op: 'refresh' });
      await waitFor(() => seqs.slice(n).includes(ctl.ringSeq(0)), 8000, 'refreshed frame');
      expect(ctl.currentFrame(0)).toBe(0);
      await h['replay.close']!({});
      notePids();
      expect(last<{ channel: number; lines: number; cascade: string }[]>('channels').map((c) => [c.channel, c.lines, c.cascade])).toEqual([[0, 600, 'light'], [1, 600, 'light'], [2, 600, 'light']]);
      expect(last<{ source: string }>('state').source).toBe('simulator');
      expect((await h['engine.state']!({})).source).toBe('simulator');
      expect(last<unknown>('replay')).toBeNull();
    } finally {
      off();
      await rr.close();
      host.close();
      t.cleanup();
    }
  }, 60_000);
});
