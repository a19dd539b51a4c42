import { describe, expect, it } from 'vitest';
import { DType } from '../../../shared/frame-header';
import { DrawLoop, type LoopFrame, type UploadedFrame, type ViewTile } from './draw-loop';
import type { GlDisplay, TileDraw } from './gl-display';

/** A GlDisplay stand-in: records uploads and renders (no WebGL under vitest). */
function fakeGl() {
  return {
    lost: false,
    failOn: -1,
    uploads: [] as number[],
    renders: [] as { tiles: TileDraw[]; full: boolean }[],
    upload(f: { channel: number }, bytes: Uint8Array) {
      if (bytes[0] === this.failOn) throw new Error('this GPU cannot show float32 frames (no OES_texture_float)');
      this.uploads.push(bytes[0]);
    },
    render(tiles: readonly TileDraw[], full: boolean) {
      this.renders.push({ tiles: tiles.map((t) => ({ ...t })), full }); // copied: the loop reuses them
    },
    read: () => ({ width: 1, height: 1, rgba: new Uint8Array(4) }),
    forgotten: [] as number[],
    forget(channel: number) {
      this.forgotten.push(channel);
    },
  };
}

const frame = (channel: number, tag: number, vmax = 200): LoopFrame => ({ channel, width: 4, height: 2, dtype: DType.U8, vmin: 10, vmax, bytes: Uint8Array.of(tag), fresh: true });
const tile = (channel: number, x = 0): ViewTile => ({ channel, x, y: 0, w: 10, h: 10, wlGlobal: null, cmapRow: 0 });

function setup(maxDrawsPerRefresh?: number) {
  const gl = fakeGl();
  const rafs: (() => void)[] = [];
  let t = 100;
  const out: { uploaded: UploadedFrame[]; dropped: LoopFrame[]; at: number }[] = [];
  const errors: string[] = [];
  const taken: number[][] = [];
  const loop = new DrawLoop(gl as unknown as GlDisplay, (cb) => rafs.push(cb), () => t, {
    taken: (channels) => taken.push([...channels]), // copied: the loop reuses the array
    presented: (uploaded, dropped, at) => out.push({ uploaded, dropped, at }),
    error: (m) => errors.push(m),
  }, maxDrawsPerRefresh);
  const tick = (dt = 16) => {
    t += dt;
    const due = rafs.splice(0);
    due.forEach((cb) => cb());
  };
  return { gl, loop, rafs, out, errors, tick, taken };
}

describe('DrawLoop (the GL worker’s draw loop)', () => {
  it('draws a frame at once when nothing was drawn since the last animation frame, and presents it at the next one', () => {
    const { gl, loop, out, rafs, tick } = setup();
    loop.setView([tile(0), tile(1, 10)]);
    loop.frame(frame(0, 1)); // idle loop: drawn in this task, not one refresh later
    expect(gl.uploads).toEqual([1]);
    expect(gl.renders).toHaveLength(1);
    expect(gl.renders[0].full).toBe(true); // first draw of this view
    expect(gl.renders[0].tiles.map((d) => [d.channel, d.lo, d.hi])).toEqual([[0, 10, 200]]); // automatic W/L: the frame's own range
    expect(out).toHaveLength(0); // not presented before the compositor's next frame
    expect(rafs).toHaveLength(1);
    tick();
    expect(out).toHaveLength(1);
    expect(out[0].uploaded.map((u) => [u.frame.bytes[0], u.uploadedAtMs])).toEqual([[1, 100]]);
    expect(out[0].at).toBe(116);
    expect(gl.renders).toHaveLength(1); // nothing new: no draw at this animation frame
    tick();
    expect(out).toHaveLength(1); // and nothing more to present
  });

  it('frees the display of channels gone from the source, and gives back a frame of one still waiting', () => {
    const { gl, loop, out, tick, taken } = setup(1);
    loop.setView([tile(0), tile(1, 10), tile(2, 20)]);
    loop.frame(frame(0, 1)); // drawn
    loop.frame(frame(1, 2)); // waits (one draw per refresh here)
    tick(); // presents 1, draws 2
    loop.frame(frame(2, 3)); // both wait for the next refresh
    loop.frame(frame(1, 4));
    taken.length = 0;
    loop.retain([0]);
    expect([...gl.forgotten].sort()).toEqual([1, 2]); // once each
    expect(taken).toEqual([[1, 2]]); // the waiting fresh frames are done with: the page can acknowledge them
    tick();
    const last = out[out.length - 1];
    expect(last.dropped.map((f) => f.bytes[0]).sort()).toEqual([3, 4]); // their buffers come back, not drawn
    expect(gl.uploads).toEqual([1, 2]);
    loop.retain([0]); // nothing more to free
    expect(gl.forgotten).toHaveLength(2);
  });

  it('draws at most twice per refresh (by default): a second channel\'s frame in the same refresh is drawn at once too, a third waits', () => {
    const { gl, loop, out, tick } = setup();
    loop.setView([tile(0), tile(1, 10), tile(2, 20)]);
    loop.frame(frame(0, 1));
    loop.frame(frame(1, 2)); // same refresh, another channel: not a refresh later on screen
    expect(gl.uploads).toEqual([1, 2]);
    expect(gl.renders).toHaveLength(2);
    loop.frame(frame(2, 3)); // the bound: waits for the animation frame
    expect(gl.renders).toHaveLength(2);
    tick(); // presents 1 and 2 together, draws 3
    expect(out[0].uploaded.map((u) => u.frame.bytes[0])).toEqual([1, 2]);
    expect(gl.uploads).toEqual([1, 2, 3]);
  });

  it('with one draw per refresh: frames after a draw wait for the next animation frame, newest per channel; replaced ones come back as dropped', () => {
    const { gl, loop, out, tick, taken } = setup(1);
    loop.setView([tile(0), tile(1, 10)]);
    loop.frame(frame(0, 1)); // drawn at once
    expect(taken).toEqual([[0]]); // the loop is done with it right after the draw (before it is presented)
    loop.frame(frame(0, 2)); // same refresh: waits
    loop.frame(frame(0, 3)); // replaces 2 before any draw
    loop.frame(frame(1, 7));
    expect(gl.renders).toHaveLength(1);
    expect(gl.uploads).toEqual([1]);
    expect(taken).toEqual([[0]]);
    tick(); // presents 1, then draws 3 and 7 together
    expect(gl.uploads).toEqual([1, 3, 7]);
    expect(taken).toEqual([[0], [0, 0, 1]]); // 2 (replaced), 3 and 7 (drawn): one notice per draw
    expect(gl.renders).toHaveLength(2);
    expect(out[0].uploaded.map((u) => u.frame.bytes[0])).toEqual([1]);
    expect(out[0].dropped.map((d) => d.bytes[0])).toEqual([2]); // handed back with the first presentation after it was replaced
    loop.frame(frame(1, 8)); // a draw happened in this refresh (at its animation frame): waits
    expect(gl.renders).toHaveLength(2);
    tick(); // presents 3 and 7, draws 8
    expect(out[1].uploaded.map((u) => [u.frame.bytes[0], u.uploadedAtMs])).toEqual([[3, 116], [7, 116]]);
    expect(out[1].dropped).toHaveLength(0);
    expect(out[1].at).toBe(132);
    expect(gl.uploads).toEqual([1, 3, 7, 8]);
    tick();
    expect(out[2].uploaded.map((u) => u.frame.bytes[0])).toEqual([8]);
    tick(); // idle refresh: the next frame is drawn at once again
    loop.frame(frame(0, 5));
    expect(gl.uploads).toEqual([1, 3, 7, 8, 5]);
  });

  it('draws only the channels with a new frame unless the view changed, and nothing when nothing changed', () => {
    const { gl, loop, out, tick } = setup();
    loop.setView([tile(0), tile(1, 10)]);
    loop.frame(frame(0, 1));
    loop.frame(frame(1, 2));
    tick();
    tick();
    loop.frame(frame(1, 3, 100));
    tick();
    const last = gl.renders[gl.renders.length - 1];
    expect(last.full).toBe(false);
    expect(last.tiles.filter((d) => d.dirty).map((d) => d.channel)).toEqual([1]);
    expect(last.tiles.find((d) => d.channel === 1)!.hi).toBe(100);
    const draws = gl.renders.length;
    tick();
    tick(); // idle: no draw
    expect(gl.renders).toHaveLength(draws);
    loop.setView([tile(0), tile(1, 10)]);
    tick();
    expect(gl.renders[gl.renders.length - 1].full).toBe(true);
    expect(out.length).toBeGreaterThanOrEqual(2);
  });

  it('an explicit window/level wins over the frame range', () => {
    const { gl, loop, tick } = setup();
    loop.setView([{ ...tile(0), wl: { center: 50, width: 20 } }]);
    loop.frame(frame(0, 1));
    tick();
    expect([gl.renders[0].tiles[0].lo, gl.renders[0].tiles[0].hi]).toEqual([40, 60]);
  });

  it('a failed upload is reported and the frame comes back as dropped; a lost context draws nothing until invalidated', () => {
    const { gl, loop, out, errors, tick } = setup();
    loop.setView([tile(0)]);
    gl.failOn = 9;
    loop.frame(frame(0, 9));
    tick();
    tick();
    expect(errors[0]).toMatch(/float32/);
    expect(out[0].dropped.map((d) => d.bytes[0])).toEqual([9]);
    expect(out[0].uploaded).toHaveLength(0);
    gl.lost = true;
    loop.frame(frame(0, 4));
    const n = gl.renders.length;
    tick();
    expect(gl.renders).toHaveLength(n); // lost: the frame waits
    gl.lost = false;
    loop.invalidate(); // context restored
    tick();
    expect(gl.uploads).toContain(4);
    expect(gl.renders[gl.renders.length - 1].full).toBe(true);
  });
});
