/**
 * Grid layout: how many columns for `n` tiles of image aspect `imageAspect` (width/height) in a
 * `w × h` area so that the images are as large as possible.
 */
export interface GridShape {
  cols: number;
  rows: number;
}

export function gridShape(n: number, w: number, h: number, imageAspect: number): GridShape {
  if (n <= 0) return { cols: 1, rows: 1 };
  let best = { cols: 1, rows: n };
  let bestScale = -1;
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const tw = w / cols;
    const th = h / rows;
    const scale = Math.min(tw / imageAspect, th); // image height that fits
    if (scale > bestScale + 1e-9) {
      bestScale = scale;
      best = { cols, rows };
    }
  }
  return best;
}

/** Fit an image of aspect `a` inside a rect, centred (letterbox). */
export function fitRect(x: number, y: number, w: number, h: number, a: number): [number, number, number, number] {
  if (w / h > a) {
    const fw = h * a;
    return [x + (w - fw) / 2, y, fw, h];
  }
  const fh = w / a;
  return [x, y + (h - fh) / 2, w, fh];
}

/** A tile's image area (CSS px) and the size of the frame it shows (data px). */
export interface TileExtent {
  w: number;
  h: number;
  dataW: number;
  dataH: number;
}

/**
 * Canvas backing pixels per CSS pixel. Normally the device pixel ratio; lower when every tile shows
 * a frame smaller than its place on screen, down to the resolution where each data pixel still gets
 * at least one backing pixel. The browser scales the canvas up (`image-rendering: pixelated`, so no
 * colour is invented between pixels). Why: without a GPU, every drawn backing pixel costs shading
 * on SwiftShader and a synchronous read-back for the software compositor, on the page's main thread;
 * pixels finer than the data carry nothing. Quantised to 1/16 so small layout moves don't resize
 * (a resize clears the canvas and forces a full redraw). `dpr` when no tile has a frame yet.
 */
export function backingScale(tiles: readonly TileExtent[], dpr: number): number {
  let need = 0;
  for (const t of tiles) {
    if (!(t.w > 0 && t.h > 0 && t.dataW > 0 && t.dataH > 0)) continue;
    const [, , fw, fh] = fitRect(0, 0, t.w, t.h, t.dataW / t.dataH);
    need = Math.max(need, t.dataW / fw, t.dataH / fh);
  }
  if (need === 0) return dpr;
  return Math.min(dpr, Math.max(1 / 16, Math.ceil(need * 16) / 16));
}

/** A rectangle in canvas backing pixels. */
export interface PixelRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Where a tile's letterboxed image goes, in backing pixels, rounded as a WebGL viewport is given:
 * `x` from the left edge and `y` from the BOTTOM edge of a canvas `canvasH` pixels high. Both
 * displays place their images with it, so they cover the same pixels. Writes `out` (no allocation
 * per draw) and returns it.
 */
export function imageViewport(tile: { x: number; y: number; w: number; h: number }, dpr: number, canvasH: number, aspect: number, out: PixelRect): PixelRect {
  const [x, y, w, h] = fitRect(tile.x * dpr, tile.y * dpr, tile.w * dpr, tile.h * dpr, aspect);
  out.x = Math.round(x);
  out.w = Math.max(1, Math.round(w));
  out.h = Math.max(1, Math.round(h));
  out.y = Math.round(canvasH - (y + h));
  return out;
}

/** Resize a canvas' backing store only when it changes (a resize clears it). */
export function resizeBacking(canvas: { width: number; height: number }, width: number, height: number): void {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
}
