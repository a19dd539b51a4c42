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
    render(tiles: TileDraw[], full: boolean) {
      this.renders.push({ tiles, full });
    },
    read: () => ({ width: 1, height: 1, rgba: new Uint8Array(4) }),
  };
}

const frame = (channel: number, tag: number, vmax = 200): LoopFrame => ({ channel, width: 4, height: 2, dtype: DType.U8, vmin: 10, vmax, bytes: Uint8Array.of(tag), fresh: true });
const tile = (channel: number, x = 0): ViewTile => ({ channel, x, y: 0, w: 10, h: 10, wlGlobal: null, cmapRow: 0 });

function setup() {
  const gl = fakeGl();
  const rafs: (() => void)[] = [];
  let t = 100;
  const out: { uploaded: UploadedFrame[]; dropped: LoopFrame[]; at: number }[] = [];
  const errors: string[] = [];
  const loop = new DrawLoop(gl as unknown as GlDisplay, (cb) => rafs.push(cb), () => t, {
    presented: (uploaded, dropped, at) => out.push({ uploaded, dropped, at }),
    error: (m) => errors.push(m),
  });
  const tick = (dt = 16) => {
    t += dt;
    const due = rafs.splice(0);
    due.forEach((cb) => cb());
  };
  return { gl, loop, rafs, out, errors, tick };
}

describe('DrawLoop (the GL worker’s draw loop)', () => {
  it('draws at the next animation frame, once, with the newest frame per channel; replaced ones come back as dropped', () => {
    const { gl, loop, out, tick } = setup();
    loop.setView([tile(0), tile(1, 10)]);
    loop.frame(frame(0, 1));
    loop.frame(frame(0, 2)); // replaces 1 before any draw
    loop.frame(frame(1, 7));
    expect(gl.renders).toHaveLength(0); // nothing before the animation frame
    tick(); // draw
    expect(gl.uploads).toEqual([2, 7]);
    expect(gl.renders).toHaveLength(1);
    expect(gl.renders[0].full).toBe(true); // first draw of this view
    expect(gl.renders[0].tiles.map((d) => [d.channel, d.lo, d.hi])).toEqual([[0, 10, 200], [1, 10, 200]]); // automatic W/L: the frame's own range
    expect(out).toHaveLength(0);
    tick(); // the next animation frame: presented
    expect(out).toHaveLength(1);
    expect(out[0].uploaded.map((u) => [u.frame.bytes[0], u.uploadedAtMs])).toEqual([[2, 116], [7, 116]]);
    expect(out[0].dropped.map((d) => d.bytes[0])).toEqual([1]);
    expect(out[0].at).toBe(132);
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
