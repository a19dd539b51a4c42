/**
 * Tiny inline-SVG chart builders for the self-contained HTML report (no external assets, no
 * scripts). Each returns an `<svg>` string sized in px.
 */

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const f = (x: number) => (Number.isFinite(x) ? +x.toFixed(2) : 0);

/** A "nice" tick step for a range. */
function niceStep(range: number, target = 5): number {
  if (!(range > 0)) return 1;
  const raw = range / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

function fmtTick(v: number): string {
  return Math.abs(v) >= 100 || v === Math.round(v) ? String(Math.round(v)) : v.toPrecision(2);
}

export interface Frame {
  w: number;
  h: number;
  ml: number;
  mr: number;
  mt: number;
  mb: number;
}
const DEF: Frame = { w: 420, h: 200, ml: 48, mr: 10, mt: 22, mb: 30 };

function axes(fr: Frame, title: string, xLabel: string, yLabel: string, xTicks: [number, string][], yTicks: [number, string][]): string {
  const { w, h, ml, mr, mt, mb } = fr;
  let s = `<rect x="${ml}" y="${mt}" width="${w - ml - mr}" height="${h - mt - mb}" fill="#fafafa" stroke="#ccc"/>`;
  s += `<text x="${ml}" y="14" font-size="12" font-weight="bold">${esc(title)}</text>`;
  for (const [x, l] of xTicks) s += `<line x1="${f(x)}" x2="${f(x)}" y1="${h - mb}" y2="${h - mb + 4}" stroke="#888"/><text x="${f(x)}" y="${h - mb + 14}" font-size="10" text-anchor="middle">${esc(l)}</text>`;
  for (const [y, l] of yTicks) s += `<line x1="${ml - 4}" x2="${w - mr}" y1="${f(y)}" y2="${f(y)}" stroke="#e4e4e4"/><text x="${ml - 6}" y="${f(y) + 3}" font-size="10" text-anchor="end">${esc(l)}</text>`;
  s += `<text x="${(ml + w - mr) / 2}" y="${h - 3}" font-size="10" text-anchor="middle" fill="#555">${esc(xLabel)}</text>`;
  s += `<text x="10" y="${(mt + h - mb) / 2}" font-size="10" text-anchor="middle" fill="#555" transform="rotate(-90 10 ${(mt + h - mb) / 2})">${esc(yLabel)}</text>`;
  return s;
}

function linTicks(lo: number, hi: number, map: (v: number) => number): [number, string][] {
  const st = niceStep(hi - lo);
  const out: [number, string][] = [];
  for (let v = Math.ceil(lo / st) * st; v <= hi + 1e-9; v += st) out.push([map(v), fmtTick(v)]);
  return out;
}

/**
 * Histogram on a log₁₀ x axis from [lowMs, highMs, count] triples, with an optional vertical
 * budget line.
 */
export function histogramSvg(title: string, buckets: number[], budgetMs?: number, fr: Frame = DEF): string {
  const { w, h, ml, mr, mt, mb } = fr;
  let body = '';
  if (buckets.length === 0) {
    body = axes(fr, title, 'ms (log scale)', 'frames', [], []) + `<text x="${w / 2}" y="${h / 2}" font-size="11" text-anchor="middle" fill="#999">no data</text>`;
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`;
  }
  // Re-bin onto 60 log-spaced bins so narrow buckets at large values stay visible.
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < buckets.length; i += 3) {
    lo = Math.min(lo, Math.max(buckets[i], 0.001));
    hi = Math.max(hi, buckets[i + 1]);
  }
  if (budgetMs && budgetMs > 0) hi = Math.max(hi, budgetMs * 1.05);
  const l0 = Math.floor(Math.log10(lo));
  const l1 = Math.max(l0 + 1, Math.ceil(Math.log10(hi))); // at least one decade (all values < 1 µs)
  const N = 60;
  const bins = new Float64Array(N);
  for (let i = 0; i < buckets.length; i += 3) {
    const mid = Math.max((buckets[i] + buckets[i + 1]) / 2, 10 ** l0);
    const k = Math.min(N - 1, Math.max(0, Math.floor(((Math.log10(mid) - l0) / (l1 - l0)) * N)));
    bins[k] += buckets[i + 2];
  }
  const maxC = Math.max(...bins);
  const X = (ms: number) => ml + ((Math.log10(ms) - l0) / (l1 - l0)) * (w - ml - mr);
  const Y = (c: number) => h - mb - (c / maxC) * (h - mt - mb);
  const xt: [number, string][] = [];
  for (let e = l0; e <= l1; e++) xt.push([X(10 ** e), fmtTick(10 ** e)]);
  body = axes(fr, title, 'ms (log scale)', 'frames', xt, linTicks(0, maxC, Y));
  const bw = (w - ml - mr) / N;
  for (let k = 0; k < N; k++) {
    if (bins[k] > 0) body += `<rect x="${f(ml + k * bw)}" y="${f(Y(bins[k]))}" width="${f(Math.max(1, bw - 1))}" height="${f(h - mb - Y(bins[k]))}" fill="#4a7fb5"/>`;
  }
  if (budgetMs && budgetMs > 0) body += `<line x1="${f(X(budgetMs))}" x2="${f(X(budgetMs))}" y1="${mt}" y2="${h - mb}" stroke="#c00" stroke-dasharray="4 3"/><text x="${f(X(budgetMs)) - 3}" y="${mt + 10}" font-size="10" fill="#c00" text-anchor="end">budget ${budgetMs} ms</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`;
}

export interface Line {
  label: string;
  color: string;
  /** [x, y] pairs flattened. */
  xy: number[];
  dashed?: boolean;
}

/** Line plot (linear axes) with an optional horizontal budget line. */
export function linesSvg(title: string, lines: Line[], xLabel: string, yLabel: string, budget?: number, fr: Frame = DEF): string {
  const { w, h, ml, mr, mt, mb } = fr;
  let x0 = Infinity;
  let x1 = -Infinity;
  let y1 = 0;
  for (const ln of lines) {
    for (let i = 0; i < ln.xy.length; i += 2) {
      x0 = Math.min(x0, ln.xy[i]);
      x1 = Math.max(x1, ln.xy[i]);
      y1 = Math.max(y1, ln.xy[i + 1]);
    }
  }
  if (!Number.isFinite(x0)) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${axes(fr, title, xLabel, yLabel, [], [])}<text x="${w / 2}" y="${h / 2}" font-size="11" text-anchor="middle" fill="#999">no data</text></svg>`;
  }
  if (budget && budget > 0 && budget < y1 * 3) y1 = Math.max(y1, budget * 1.05);
  if (x1 === x0) x1 = x0 + 1;
  y1 = y1 > 0 ? y1 * 1.05 : 1;
  const X = (x: number) => ml + ((x - x0) / (x1 - x0)) * (w - ml - mr);
  const Y = (y: number) => h - mb - (Math.min(y, y1) / y1) * (h - mt - mb);
  let body = axes(fr, title, xLabel, yLabel, linTicks(x0, x1, X), linTicks(0, y1, Y));
  for (const ln of lines) {
    let d = '';
    for (let i = 0; i < ln.xy.length; i += 2) d += `${i ? 'L' : 'M'}${f(X(ln.xy[i]))},${f(Y(ln.xy[i + 1]))}`;
    body += `<path d="${d}" fill="none" stroke="${ln.color}" stroke-width="1.3"${ln.dashed ? ' stroke-dasharray="3 2"' : ''}/>`;
  }
  if (budget && budget > 0 && budget <= y1) body += `<line x1="${ml}" x2="${w - mr}" y1="${f(Y(budget))}" y2="${f(Y(budget))}" stroke="#c00" stroke-dasharray="4 3"/>`;
  let lx = ml + 6;
  for (const ln of lines.slice(0, 8)) {
    body += `<rect x="${lx}" y="${mt + 4}" width="10" height="3" fill="${ln.color}"/><text x="${lx + 13}" y="${mt + 9}" font-size="9">${esc(ln.label)}</text>`;
    lx += 18 + ln.label.length * 5.5;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`;
}

/** Horizontal stacked bars: one row per label, one segment per value, and a vertical budget line. */
export function stackedBarsSvg(title: string, rows: { label: string; values: number[] }[], names: string[], colors: string[], budgetMs: number, w = 860): string {
  const rowH = 18;
  const ml = 90;
  const mr = 20;
  const mt = 40;
  const h = mt + rows.length * rowH + 30;
  let max = budgetMs * 1.1;
  for (const r of rows) max = Math.max(max, r.values.reduce((a, b) => a + b, 0) * 1.05);
  const X = (ms: number) => ml + (ms / max) * (w - ml - mr);
  let s = `<text x="0" y="14" font-size="12" font-weight="bold">${esc(title)}</text>`;
  let lx = 0;
  names.forEach((n, i) => {
    s += `<rect x="${lx}" y="22" width="10" height="10" fill="${colors[i % colors.length]}"/><text x="${lx + 13}" y="31" font-size="9">${esc(n)}</text>`;
    lx += 20 + n.length * 5.2;
  });
  rows.forEach((r, j) => {
    const y = mt + j * rowH;
    s += `<text x="${ml - 6}" y="${y + 12}" font-size="10" text-anchor="end">${esc(r.label)}</text>`;
    let acc = 0;
    r.values.forEach((v, i) => {
      if (v > 0) s += `<rect x="${f(X(acc))}" y="${y + 2}" width="${f(Math.max(0.5, X(acc + v) - X(acc)))}" height="${rowH - 4}" fill="${colors[i % colors.length]}"><title>${esc(`${names[i]}: ${v.toFixed(2)} ms`)}</title></rect>`;
      acc += Math.max(0, v);
    });
    s += `<text x="${f(X(acc)) + 4}" y="${y + 12}" font-size="9" fill="#333">${acc.toFixed(1)}</text>`;
  });
  const yb = mt + rows.length * rowH;
  s += `<line x1="${f(X(budgetMs))}" x2="${f(X(budgetMs))}" y1="${mt - 2}" y2="${yb + 2}" stroke="#c00" stroke-width="1.5" stroke-dasharray="5 3"/><text x="${f(X(budgetMs))}" y="${yb + 14}" font-size="10" fill="#c00" text-anchor="middle">budget ${budgetMs} ms</text>`;
  for (const [x, l] of linTicks(0, max, X)) s += `<text x="${f(x)}" y="${yb + 26}" font-size="9" fill="#777" text-anchor="middle">${l}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${s}</svg>`;
}

export const HOP_COLORS = ['#8c6bb1', '#6baed6', '#3182bd', '#31a354', '#fdae6b', '#e6550d', '#969696', '#222'];
