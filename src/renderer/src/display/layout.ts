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
