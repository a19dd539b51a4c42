/**
 * Which `PixelDisplay` draws the workbench (see `pixel-display.ts`): WebGL where it runs on a GPU,
 * Canvas 2D where WebGL is emulated on the CPU or missing. The page URL's `?display=webgl|canvas2d`
 * overrides the automatic choice (for comparison, and as a way out on a driver that lies).
 */
import { Canvas2dDisplay } from './canvas2d-display';
import { GlDisplay } from './gl-display';
import type { DisplayChoice, DisplayKind, DisplayPreference, PixelDisplay } from './pixel-display';

/** Renderer strings of WebGL implementations that run on the CPU. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software rasterizer|microsoft basic render/i;

/** This WebGL renderer (its `WEBGL_debug_renderer_info` string) runs on the CPU. */
export function isSoftwareRenderer(renderer: string): boolean {
  return SOFTWARE_RENDERER.test(renderer);
}


/** `?display=` as a preference; anything else is `auto`. */
export function parseDisplayPreference(v: string | null | undefined): DisplayPreference {
  return v === 'webgl' || v === 'canvas2d' ? v : 'auto';
}

/**
 * The WebGL renderer string of this browser, from a throw-away 1×1 context (a canvas keeps the
 * first kind of context it is asked for, so the workbench's own canvas cannot be probed), or null
 * without WebGL.
 */
export function probeWebglRenderer(): string | null {
  // Once per thread: the answer does not change, and a WebGL context costs tens of ms to make.
  if (probed === undefined) probed = probeOnce();
  return probed;
}
let probed: string | null | undefined;

function probeOnce(): string | null {
  let canvas: HTMLCanvasElement | OffscreenCanvas;
  if (typeof OffscreenCanvas === 'function') canvas = new OffscreenCanvas(1, 1);
  else if (typeof document !== 'undefined') canvas = document.createElement('canvas');
  else return null;
  const gl = canvas.getContext('webgl') as WebGLRenderingContext | null;
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  gl.getExtension('WEBGL_lose_context')?.loseContext(); // give the context back now, not at GC
  return renderer;
}

export function chooseDisplay(pref: DisplayPreference, probe: () => string | null = probeWebglRenderer): DisplayChoice {
  let renderer: string | null = null;
  try {
    renderer = probe();
  } catch {
    renderer = null;
  }
  if (pref !== 'auto') return { kind: pref, renderer, reason: 'chosen in the page URL (?display=)' };
  if (renderer === null) return { kind: 'canvas2d', renderer, reason: 'WebGL is not available' };
  if (isSoftwareRenderer(renderer)) return { kind: 'canvas2d', renderer, reason: `WebGL runs on the CPU here (${renderer}): Canvas 2D costs less` };
  return { kind: 'webgl', renderer, reason: `GPU: ${renderer}` };
}

/**
 * The chosen display on `canvas`. If WebGL was chosen automatically but its context cannot be
 * made, falls back to Canvas 2D (and says so in the returned choice); a WebGL asked for in the URL
 * fails with its error.
 */
export function createPixelDisplay(
  canvas: HTMLCanvasElement | OffscreenCanvas,
  pref: DisplayPreference,
  onContext: (lost: boolean) => void,
  probe?: () => string | null,
): { display: PixelDisplay; choice: DisplayChoice } {
  const choice = chooseDisplay(pref, probe);
  const make = (k: DisplayKind): PixelDisplay => (k === 'webgl' ? new GlDisplay(canvas, onContext) : new Canvas2dDisplay(canvas, onContext));
  if (choice.kind === 'webgl' && pref === 'auto') {
    try {
      return { display: make('webgl'), choice };
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      // Works when WebGL gave no context; a canvas that got a WebGL context cannot give a 2D one.
      try {
        return { display: make('canvas2d'), choice: { kind: 'canvas2d', renderer: choice.renderer, reason: `WebGL failed (${why})` } };
      } catch (e2) {
        throw new Error(`WebGL failed (${why}) and Canvas 2D cannot replace it on the same canvas (${e2 instanceof Error ? e2.message : String(e2)})`);
      }
    }
  }
  return { display: make(choice.kind), choice };
}
