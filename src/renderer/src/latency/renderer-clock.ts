/**
 * The renderer's clock, in ns. `performance.timeOrigin + performance.now()` is one timeline shared
 * by the page and its workers (each context has its own `now()` origin, but the sum is common), so
 * stamps taken in a worker and on the main thread compare directly. Resolution is Chromium's
 * `performance.now()` coarsening (5–100 µs) plus ~0.25 µs of f64 rounding at epoch magnitudes:
 * far below the millisecond scale being measured.
 */
export function rendererNowNs(): number {
  return (performance.timeOrigin + performance.now()) * 1e6;
}
