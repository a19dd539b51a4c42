import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelHealth } from '../../../shared/health';
import { useUi } from '../state/ui-store';
import { DH, DISPLAY_HEADER_OFFSET, displayFrameBytes, Hop } from '../../../shared/display-frame';
import { DType, newFrameHeader, writeFrameHeader } from '../../../shared/frame-header';
import { ACK_STRIDE, AckField, AckState, type LatencyAckParams } from '../../../shared/latency';
import { LatencyProbe } from '../latency/probe';
import { DisplayController, DOWN_LATCH_MS } from './display-controller';
import type { LoopFrame } from './draw-loop';

const h = (state: ChannelHealth['state'], pid: number | null): ChannelHealth => ({ channel: 2, label: 'ch2', state, pid, fpsIn: 30, fpsOut: 30, skipped: 0, gaps: 0, cascadeMsP50: 1, cascadeMsP99: 1, lastFrameAgeMs: 0, restarts: 0, lastError: state === 'running' ? null : 'process killed by SIGKILL', cascade: 'light' });
const health = (x: ChannelHealth) => useUi.getState().set({ health: { 2: x } });

describe('DisplayController process-outage latch', () => {
  let c: DisplayController;
  afterEach(() => c?.dispose());

  it('shows PROCESS DOWN for a restart that went by between two watchdog ticks, until a new frame and ≥1 s', () => {
    useUi.getState().set({ connected: true, channels: [], health: {} });
    c = new DisplayController();
    const slot = c.store.slot(2);
    slot.noteArrival(performance.now());
    health(h('running', 100));
    // down → restarting → starting → running, all before the watchdog looks.
    health(h('down', null));
    health(h('restarting', null));
    health(h('starting', 101));
    health(h('running', 101));
    const t = performance.now();
    expect(c.signalOf(2, t).kind).toBe('down');
    slot.noteArrival(t + 10); // first frame of the new process
    expect(c.signalOf(2, t + 20).kind).toBe('down'); // still inside the latch
    expect(c.signalOf(2, t + DOWN_LATCH_MS + 20).kind).toBe('stale'); // latch over; the frame is old by now
    slot.noteArrival(t + DOWN_LATCH_MS + 30);
    expect(c.signalOf(2, t + DOWN_LATCH_MS + 40).kind).toBe('live');
  });

  it('also catches a replaced process whose outage no report showed (pid changed)', () => {
    useUi.getState().set({ connected: true, channels: [], health: {} });
    c = new DisplayController();
    const slot = c.store.slot(2);
    const t = performance.now();
    slot.noteArrival(t);
    health(h('running', 200));
    expect(c.signalOf(2, t + 5).kind).toBe('live');
    health(h('running', 201));
    expect(c.signalOf(2, t + 6).kind).toBe('down');
  });
});

describe('DisplayController and the engine\'s stall notices (web mode `stale` event)', () => {
  let c: DisplayController;
  afterEach(() => c?.dispose());

  it('shows STALE as soon as the engine says so, even with a fresh frame on the page, and live again when it produces', () => {
    useUi.getState().set({ connected: true, channels: [], health: {} });
    c = new DisplayController();
    const slot = c.store.slot(2);
    health(h('running', 100));
    slot.noteArrival(performance.now()); // a frame that reached the page just now (late)
    expect(c.signalOf(2, performance.now()).kind).toBe('live');
    c.onEngineStale({ channel: 2, stale: true, ageMs: 110, lastFrameMs: 5000 });
    const sig = c.signalOf(2, performance.now());
    expect(sig.kind).toBe('stale');
    expect((sig as { ageMs: number }).ageMs).toBeGreaterThanOrEqual(110); // the engine's age, not the page's
    c.onEngineStale({ channel: 2, stale: false, ageMs: 400, lastFrameMs: 5400 });
    expect(c.signalOf(2, performance.now()).kind).toBe('live'); // the page's own judgement again
    // A notice for a channel without any frame on the page changes nothing ("waiting" says it all).
    c.onEngineStale({ channel: 7, stale: true, ageMs: 500, lastFrameMs: 5000 });
    expect(c.store.has(7)).toBe(false);
    // A reconnect forgets notices of the old connection.
    c.onEngineStale({ channel: 2, stale: true, ageMs: 110, lastFrameMs: 5000 });
    useUi.getState().set({ connected: false });
    useUi.getState().set({ connected: true });
    expect(c.signalOf(2, performance.now()).kind).toBe('live');
  });

  it('names who judged a tile stale: NO SIGNAL when the producer said so, NO NEW FRAME when only this page saw none', () => {
    useUi.getState().set({ connected: true, channels: [], health: {} });
    c = new DisplayController();
    health(h('running', 100));
    const t = performance.now();
    c.store.slot(2).noteArrival(t - 500); // flowing at the source, but nothing reached the page for 500 ms
    const tile = { el: { dataset: {} as Record<string, string> }, overlay: { hidden: true }, overlayTitle: { textContent: '' }, overlayDetail: { textContent: '' }, lastSignal: '' };
    const paint = (sig: ReturnType<DisplayController['signalOf']>) => (c as unknown as { paintSignal(v: unknown, s: unknown): void }).paintSignal(tile, sig);
    paint(c.signalOf(2, t));
    expect([tile.el.dataset.signal, tile.overlay.hidden, tile.overlayTitle.textContent]).toEqual(['stale', false, 'STALE — NO NEW FRAME']);
    expect(tile.overlayDetail.textContent).toMatch(/^frame shown is 0\.5\d s old: source or processing stopped, or display behind$/);
    c.onEngineStale({ channel: 2, stale: true, ageMs: 600, lastFrameMs: 5000 });
    paint(c.signalOf(2, t));
    expect([tile.el.dataset.signal, tile.overlayTitle.textContent]).toEqual(['stale', 'STALE — NO SIGNAL']);
    expect(tile.overlayDetail.textContent).toMatch(/: the source or its processing stopped$/);
  });
});

/** requestAnimationFrame (queued, played by the test) and window for a controller under vitest. */
function stubBrowser(): FrameRequestCallback[] {
  const g = globalThis as unknown as Record<string, unknown>;
  const rafs: FrameRequestCallback[] = [];
  g.requestAnimationFrame = (cb: FrameRequestCallback) => rafs.push(cb);
  g.window = { devicePixelRatio: 1 };
  return rafs;
}

function unstubBrowser(): void {
  const g = globalThis as unknown as Record<string, unknown>;
  delete g.requestAnimationFrame;
  delete g.window;
}

describe('DisplayController stamps renderer hops through the latency probe (one clock sync)', () => {
  let c: DisplayController;
  afterEach(() => {
    c?.dispose();
    unstubBrowser();
  });

  it('every presented frame carries received and uploaded; a replaced frame is acked as dropped; each frame is reported done to the transport once', () => {
    const rafs = stubBrowser();
    useUi.getState().set({ connected: true, channels: [{ channel: 3, label: 'CH 3', fps: 30, lines: 2, samples: 4, enabled: true, cascade: 'x' }], focus: null, health: {}, frozen: {}, frozenAll: false });
    c = new DisplayController();
    const done: number[] = [];
    c.setFrameDone((ch) => done.push(ch));
    // A fake surface (no WebGL under vitest): frames handed over are recorded (copied: the controller
    // reuses its hand-over object); `present()` plays the surface's notice, `dropSurface()` its
    // latest-wins replacement of a frame before upload.
    const gl = {
      lost: false, views: 0, frames: [] as LoopFrame[], at: [] as number[],
      frame(f: LoopFrame) { this.frames.push({ ...f }); this.at.push(t / 1e6); }, // "uploaded" when handed over
      setView() { this.views++; },
      setSize() {}, retain() {}, destroy() {},
    };
    const ctl = c as unknown as { onPresentedFrames: (u: { frame: LoopFrame; uploadedAtMs: number }[], d: LoopFrame[], at: number) => void; onTakenFrames: (channels: number[]) => void };
    const present = () => {
      const at = gl.at.splice(0);
      ctl.onPresentedFrames(gl.frames.splice(0).map((frame, i) => ({ frame, uploadedAtMs: at[i] })), [], t / 1e6);
    };
    Object.assign(c as unknown as Record<string, unknown>, { gl, canvas: { clientWidth: 10, clientHeight: 10, width: 10, height: 10, getBoundingClientRect: () => ({ left: 0, top: 0 }) } });
    let t = 50e9;
    const sync = { nowNs: () => t, offsetNs: () => 1e9, estimate: () => ({ offsetNs: 1e9, uncertaintyNs: 1e5, rttMinNs: 2e5, samples: 3 }), engineNowNs: () => t + 1e9 };
    const acks: LatencyAckParams[] = [];
    const probe = new LatencyProbe({ sync, send: (a) => { acks.push(a); }, presentAt: 'call' });
    c.useLatency(sync, probe);
    const mk = (seq: number) => {
      const b = new Uint8Array(displayFrameBytes(4, 2, DType.U8));
      writeFrameHeader(b, { ...newFrameHeader(), channel: 3, seq, tAcquiredNs: 1, lines: 2, samples: 4, dtype: DType.U8 });
      const dv = new DataView(b.buffer);
      dv.setUint32(DISPLAY_HEADER_OFFSET + DH.width, 4, true);
      dv.setUint32(DISPLAY_HEADER_OFFSET + DH.height, 2, true);
      dv.setUint16(DISPLAY_HEADER_OFFSET + DH.dtype, DType.U8, true);
      return b;
    };
    c.requestRedraw(); // what attach() does
    c.onFrame({ channel: 3, bytes: mk(1), receivedAtMs: 0, droppedBefore: 0 }); // no view yet: held
    t += 1e6;
    c.onFrame({ channel: 3, bytes: mk(2), receivedAtMs: 1, droppedBefore: 0 }); // replaces seq 1 on the page
    expect(gl.frames).toHaveLength(0);
    expect(done).toEqual([3, 3]); // held on the page (latest wins here): the transport may go on at once
    t += 1e6;
    rafs.shift()!(0); // the first view goes out, then the held frame (seq 2)
    expect(gl.views).toBe(1);
    expect(gl.frames.map((f) => f.fresh)).toEqual([true]);
    expect(c.store.slot(3).atSurface).toBe(1); // the surface's until it gives it back
    t += 1e6;
    present(); // the surface composited it
    expect(c.store.slot(3).atSurface).toBe(0);
    expect(done).toEqual([3, 3]); // already reported when it was held
    c.onFrame({ channel: 3, bytes: mk(3), receivedAtMs: 2, droppedBefore: 0 }); // on screen now: handed over at once
    c.onFrame({ channel: 3, bytes: mk(4), receivedAtMs: 3, droppedBefore: 0 });
    expect(gl.frames).toHaveLength(2);
    expect(done).toEqual([3, 3]); // on their way to the texture: not done yet
    // The surface replaced seq 3 by seq 4 before its upload (latest wins) and drew seq 4.
    const [f3, f4] = gl.frames.splice(0);
    gl.at.length = 0;
    ctl.onTakenFrames([3, 3]); // right after that draw: both taken (one replaced, one drawn)
    expect(done).toEqual([3, 3, 3, 3]);
    expect(c.store.slot(3).atSurface).toBe(2);
    ctl.onPresentedFrames([{ frame: f4, uploadedAtMs: t / 1e6 }], [f3], t / 1e6);
    expect(c.store.slot(3).atSurface).toBe(0); // drawn and replaced: both back
    expect(c.store.slot(3).dropped).toBe(2); // seq 1 on the page, seq 3 in the surface
    expect(done).toEqual([3, 3, 3, 3]); // the presentation acknowledges nothing more
    ctl.onTakenFrames([3, 9]); // a re-upload or a stray notice: nothing owed, nothing acknowledged
    expect(done).toEqual([3, 3, 3, 3]);
    c.onFrame({ channel: 6, bytes: new Uint8Array(10), receivedAtMs: 4, droppedBefore: 0 }); // not a display frame
    expect(done).toEqual([3, 3, 3, 3, 6]); // refused, and done with
    probe.flush();
    const rows = acks.flatMap((a) => a.rows);
    const byRow = Array.from({ length: rows.length / ACK_STRIDE }, (_, i) => rows.slice(i * ACK_STRIDE, (i + 1) * ACK_STRIDE));
    expect(byRow.map((r) => [r[AckField.seq], r[AckField.state]])).toEqual([[1, AckState.RendererDropped], [2, AckState.Presented], [3, AckState.RendererDropped], [4, AckState.Presented]]);
    for (const r of byRow.filter((x) => x[AckField.state] === AckState.Presented)) {
      expect(r[AckField.stamps + Hop.Received]).toBeGreaterThan(50e9 + 1e9 - 1);
      expect(r[AckField.stamps + Hop.Uploaded]).toBeGreaterThanOrEqual(r[AckField.stamps + Hop.Received]);
      expect(r[AckField.stamps + Hop.Presented]).toBeGreaterThanOrEqual(r[AckField.stamps + Hop.Uploaded]);
    }
    expect(byRow[1][AckField.stamps + Hop.Uploaded] - byRow[1][AckField.stamps + Hop.Received]).toBe(1e6); // received at t+1 ms, uploaded (surface's time) at t+2 ms
    expect(byRow[1][AckField.stamps + Hop.Presented] - byRow[1][AckField.stamps + Hop.Uploaded]).toBe(1e6); // presented when the surface said, 1 ms later
    expect(c.clock.offsetMs).toBe(1000);
  });
});

describe('DisplayController when the source\'s channels change', () => {
  let c: DisplayController;
  afterEach(() => {
    c?.dispose();
    unstubBrowser();
  });

  it('tells the display which channels remain and lets go of the last frame kept of the others', () => {
    const info = (channel: number) => ({ channel, label: `CH ${channel}`, fps: 30, lines: 2, samples: 4, enabled: true, cascade: 'x' });
    useUi.getState().set({ connected: true, channels: [info(0), info(1), info(2)], focus: null, health: {} });
    stubBrowser();
    c = new DisplayController();
    const retained: number[][] = [];
    Object.assign(c as unknown as Record<string, unknown>, { gl: { lost: false, frame() {}, setView() {}, setSize() {}, retain: (chs: number[]) => retained.push([...chs]), destroy() {} } });
    for (const ch of [0, 1, 2]) c.store.slot(ch).shown = new Uint8Array(8);
    c.store.slot(1).pending = new Uint8Array(8); // held on the page (frozen, say): already acknowledged
    useUi.getState().set({ focus: 1 }); // the view changes, the source does not: nothing freed
    expect(retained).toEqual([]);
    useUi.getState().set({ channels: [info(0), info(2)], focus: null });
    expect(retained).toEqual([[0, 2]]);
    expect([0, 1, 2].map((ch) => c.store.slot(ch).shown?.byteLength ?? null)).toEqual([8, null, 8]);
    expect([c.store.slot(1).pending, c.store.slot(1).dropped]).toEqual([null, 1]);
  });
});

describe('DisplayController in focus view (web mode: the transport holds back hidden channels)', () => {
  let c: DisplayController;
  afterEach(() => {
    c?.dispose();
    unstubBrowser();
  });

  it('tells the transport the channels shown, and a channel back on screen says RESUMING over its old image until a frame comes (STALE after 3 periods)', () => {
    const rafs = stubBrowser();
    const info = (channel: number) => ({ channel, label: `CH ${channel}`, fps: 30, lines: 2, samples: 4, enabled: true, cascade: 'x' });
    useUi.getState().set({ connected: true, channels: [info(3), info(4)], focus: null, health: {}, frozen: {}, frozenAll: false, engine: null, replayState: null });
    c = new DisplayController();
    const told: (number[] | null)[] = [];
    c.setShowOnly((chs) => (told.push(chs ? [...chs] : null), chs !== null));
    const gl = { lost: false, frame() {}, setView() {}, setSize() {}, retain() {}, destroy() {} };
    Object.assign(c as unknown as Record<string, unknown>, { gl, canvas: { clientWidth: 10, clientHeight: 10, width: 10, height: 10, getBoundingClientRect: () => ({ left: 0, top: 0 }) } });
    const redraw = () => {
      c.requestRedraw();
      while (rafs.length) rafs.shift()!(0);
    };
    const t0 = performance.now();
    c.store.slot(3).noteArrival(t0);
    c.store.slot(4).noteArrival(t0);
    redraw();
    expect(told).toEqual([]); // all shown: nothing to tell
    useUi.getState().set({ focus: 3 });
    redraw();
    expect(told).toEqual([[3]]);
    redraw();
    expect(told).toEqual([[3]]); // said once per change
    const back = t0 + 5000; // channel 4 was hidden for 5 s: its image is that old
    c.store.slot(3).noteArrival(back - 10);
    useUi.getState().set({ focus: null });
    redraw();
    expect(told).toEqual([[3], null]);
    expect(c.store.slot(4).resumedAtMs).toBeGreaterThanOrEqual(t0); // stamped on its return…
    expect(c.store.slot(3).resumedAtMs).toBe(-1); // …the focused channel never left
    c.store.slot(4).resumedAtMs = back; // (the same stamp on the test's own clock)
    const sig = c.signalOf(4, back + 20);
    expect(sig).toMatchObject({ kind: 'held', reason: 'RESUMING' });
    expect((sig as { ageMs: number }).ageMs).toBeCloseTo(5020, 0); // the image's true age
    expect(c.signalOf(4, back + 3 * 33.4 + 1).kind).toBe('stale'); // no frame within the threshold
    // The watchdog wakes when the RESUMING grace ends, not just at its next periodic tick.
    c.registerTile(4, { querySelector: () => null, dataset: {}, getBoundingClientRect: () => ({ left: 0, top: 0, width: 10, height: 10 }) } as unknown as HTMLElement);
    c.store.slot(4).resumedAtMs = back; // (registering ran the watchdog on the real clock)
    const deadline = (c as unknown as { nextDeadline(now: number): number }).nextDeadline;
    expect(deadline.call(c, back + 3 * 33.4 - 10)).toBeCloseTo(11, 0);
    // A channel the engine already called stalled gets no grace: STALE at once.
    c.onEngineStale({ channel: 4, stale: true, ageMs: 4000, lastFrameMs: 1000 });
    expect(c.signalOf(4, back + 20).kind).toBe('stale');
    c.onEngineStale({ channel: 4, stale: false, ageMs: 0, lastFrameMs: 6000 });
    c.store.slot(4).noteArrival(back + 40);
    expect(c.signalOf(4, back + 50).kind).toBe('live');
    expect(c.signalOf(3, back).kind).toBe('live'); // the focused channel never left
    // From one focused channel straight to another: the newcomer is the one resuming.
    c.store.slot(3).resumedAtMs = -1;
    c.store.slot(4).resumedAtMs = -1;
    useUi.getState().set({ focus: 3 });
    redraw();
    useUi.getState().set({ focus: 4 });
    redraw();
    expect(told.slice(-2)).toEqual([[3], [4]]);
    expect(c.store.slot(4).resumedAtMs).toBeGreaterThan(0);
    expect(c.store.slot(3).resumedAtMs).toBe(-1);
  });

  it('marks returning channels only when the transport really held them back (Electron: frames kept coming)', () => {
    useUi.getState().set({ connected: true, channels: [{ channel: 3, label: 'CH 3', fps: 30, lines: 2, samples: 4, enabled: true, cascade: 'x' }, { channel: 4, label: 'CH 4', fps: 30, lines: 2, samples: 4, enabled: true, cascade: 'x' }], focus: null, health: {} });
    const rafs = stubBrowser();
    c = new DisplayController();
    c.setShowOnly(() => false);
    Object.assign(c as unknown as Record<string, unknown>, { gl: { lost: false, frame() {}, setView() {}, setSize() {}, retain() {}, destroy() {} }, canvas: { clientWidth: 10, clientHeight: 10, width: 10, height: 10, getBoundingClientRect: () => ({ left: 0, top: 0 }) } });
    c.store.slot(4).noteArrival(performance.now());
    for (const focus of [3, null]) {
      useUi.getState().set({ focus });
      c.requestRedraw();
      while (rafs.length) rafs.shift()!(0);
    }
    expect(c.store.slot(4).resumedAtMs).toBe(-1);
  });
});
