/**
 * Digital Butterworth design as second-order sections, following scipy.signal.butter(..., output='sos')
 * step by step (buttap → frequency transform → bilinear → zpk2sos with 'nearest' pairing), so the
 * coefficients agree with SciPy to rounding (golden-tested in butter.test.ts).
 * Cutoffs are normalised to Nyquist (0 < wn < 1), like scipy's default `fs`.
 */

type C = { re: number; im: number };
const c = (re: number, im = 0): C => ({ re, im });
const add = (a: C, b: C): C => c(a.re + b.re, a.im + b.im);
const sub = (a: C, b: C): C => c(a.re - b.re, a.im - b.im);
const mul = (a: C, b: C): C => c(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
const scale = (a: C, s: number): C => c(a.re * s, a.im * s);
function div(a: C, b: C): C {
  // Smith's algorithm, like numpy's complex division.
  if (Math.abs(b.re) >= Math.abs(b.im)) {
    const r = b.im / b.re;
    const d = b.re + b.im * r;
    return c((a.re + a.im * r) / d, (a.im - a.re * r) / d);
  }
  const r = b.re / b.im;
  const d = b.re * r + b.im;
  return c((a.re * r + a.im) / d, (a.im * r - a.re) / d);
}
const abs = (a: C): number => Math.hypot(a.re, a.im);
function sqrt(a: C): C {
  // principal square root
  if (a.re === 0 && a.im === 0) return c(0, 0);
  const m = abs(a);
  const re = Math.sqrt((m + a.re) / 2);
  const im = Math.sqrt((m - a.re) / 2);
  return c(re, a.im < 0 ? -im : im);
}
const prod = (xs: C[]): C => xs.reduce((acc, x) => mul(acc, x), c(1));

export type BType = 'lowpass' | 'highpass' | 'bandpass' | 'bandstop';

/** scipy.signal.buttap: analog prototype poles. */
function buttap(n: number): C[] {
  const p: C[] = [];
  for (let m = -n + 1; m < n; m += 2) {
    const ang = (Math.PI * m) / (2 * n);
    p.push(c(-Math.cos(ang), -Math.sin(ang)));
  }
  return p;
}

/** Second-order sections [b0 b1 b2 a0 a1 a2] of a digital Butterworth filter (a0 = 1). */
export function butterSos(order: number, wn: number | readonly number[], btype: BType): number[][] {
  const band = btype === 'bandpass' || btype === 'bandstop';
  const w = typeof wn === 'number' ? [wn] : [...wn];
  if (!Number.isInteger(order) || order < 1) throw new RangeError(`butter: order must be a positive integer, got ${order}`);
  if (w.length !== (band ? 2 : 1)) throw new RangeError(`butter: ${btype} needs ${band ? 'two cutoffs [low, high]' : 'one cutoff'}, got ${w.length}`);
  if (w.some((x) => !(x > 0 && x < 1))) throw new RangeError(`butter: cutoffs must lie strictly between 0 and 1 (Nyquist), got [${w.join(', ')}]`);
  if (band && !(w[0] < w[1])) throw new RangeError(`butter: band cutoffs must be increasing, got [${w.join(', ')}]`);

  const fs = 2;
  const warped = w.map((x) => 2 * fs * Math.tan((Math.PI * x) / fs));
  let z: C[] = [];
  let p = buttap(order);
  let k = 1;
  const degree0 = p.length - z.length;
  if (btype === 'lowpass') {
    const wo = warped[0];
    z = z.map((x) => scale(x, wo));
    p = p.map((x) => scale(x, wo));
    k = k * wo ** degree0;
  } else if (btype === 'highpass') {
    const wo = warped[0];
    k = k * div(prod(z.map((x) => scale(x, -1))), prod(p.map((x) => scale(x, -1)))).re;
    z = z.map((x) => div(c(wo), x));
    p = p.map((x) => div(c(wo), x));
    for (let i = 0; i < degree0; i++) z.push(c(0));
  } else if (btype === 'bandpass') {
    const bw = warped[1] - warped[0];
    const wo = Math.sqrt(warped[0] * warped[1]);
    const zl = z.map((x) => scale(x, bw / 2));
    const pl = p.map((x) => scale(x, bw / 2));
    const wo2 = c(wo * wo);
    z = [...zl.map((x) => add(x, sqrt(sub(mul(x, x), wo2)))), ...zl.map((x) => sub(x, sqrt(sub(mul(x, x), wo2))))];
    p = [...pl.map((x) => add(x, sqrt(sub(mul(x, x), wo2)))), ...pl.map((x) => sub(x, sqrt(sub(mul(x, x), wo2))))];
    for (let i = 0; i < degree0; i++) z.push(c(0));
    k = k * bw ** degree0;
  } else {
    const bw = warped[1] - warped[0];
    const wo = Math.sqrt(warped[0] * warped[1]);
    k = k * div(prod(z.map((x) => scale(x, -1))), prod(p.map((x) => scale(x, -1)))).re;
    const zh = z.map((x) => div(c(bw / 2), x));
    const ph = p.map((x) => div(c(bw / 2), x));
    const wo2 = c(wo * wo);
    z = [...zh.map((x) => add(x, sqrt(sub(mul(x, x), wo2)))), ...zh.map((x) => sub(x, sqrt(sub(mul(x, x), wo2))))];
    p = [...ph.map((x) => add(x, sqrt(sub(mul(x, x), wo2)))), ...ph.map((x) => sub(x, sqrt(sub(mul(x, x), wo2))))];
    for (let i = 0; i < degree0; i++) z.push(c(0, wo));
    for (let i = 0; i < degree0; i++) z.push(c(0, -wo));
  }
  // bilinear_zpk
  const fs2 = c(2 * fs);
  const degree = p.length - z.length;
  k = k * div(prod(z.map((x) => sub(fs2, x))), prod(p.map((x) => sub(fs2, x)))).re;
  const zz = z.map((x) => div(add(fs2, x), sub(fs2, x)));
  const pz = p.map((x) => div(add(fs2, x), sub(fs2, x)));
  for (let i = 0; i < degree; i++) zz.push(c(-1));
  return zpk2sos(zz, pz, k);
}

/** scipy's _cplxreal: complex values with positive imaginary part (one per conjugate pair), then reals. */
function cplxreal(z: C[]): C[] {
  const tol = 100 * 2.220446049250313e-16;
  const sorted = [...z].sort((a, b) => a.re - b.re || Math.abs(a.im) - Math.abs(b.im));
  const isReal = (x: C) => Math.abs(x.im) <= tol * abs(x);
  const zr = sorted.filter(isReal).map((x) => c(x.re));
  const rest = sorted.filter((x) => !isReal(x));
  const zp = rest.filter((x) => x.im > 0);
  const zn = rest.filter((x) => x.im < 0);
  if (zp.length !== zn.length) throw new Error('butter: internal error, unpaired complex root');
  // Runs of the same real part are ordered by |imag| (already so after the sort above).
  const zc = zp.map((x, i) => c((x.re + zn[i].re) / 2, (x.im - zn[i].im) / 2));
  return [...zc, ...zr];
}

const isRealC = (x: C) => x.im === 0;

function nearestIdx(fro: C[], to: C, which: 'real' | 'complex' | 'any'): number {
  const order = fro.map((x, i) => ({ i, d: abs(sub(x, to)) })).sort((a, b) => a.d - b.d || a.i - b.i);
  for (const { i } of order) {
    if (which === 'any' || (which === 'real') === isRealC(fro[i])) return i;
  }
  throw new Error('butter: internal error, no zero to pair with');
}

function poly2(r: C[]): number[] {
  if (r.length === 0) return [0, 0, 1];
  if (r.length === 1) return [0, 1, -r[0].re];
  const s = add(r[0], r[1]);
  const m = mul(r[0], r[1]);
  return [1, -s.re, m.re];
}

/** scipy.signal.zpk2sos with pairing='nearest' (digital). */
export function zpk2sos(zIn: C[], pIn: C[], k: number): number[][] {
  let z = [...zIn];
  let p = [...pIn];
  while (p.length < z.length) p.push(c(0));
  while (z.length < p.length) z.push(c(0));
  const nSections = (Math.max(p.length, z.length) + 1) >> 1;
  if (p.length % 2 === 1) { p.push(c(0)); z.push(c(0)); }
  z = cplxreal(z);
  p = cplxreal(p);
  const worst = (xs: C[]) => {
    let best = 0;
    for (let i = 1; i < xs.length; i++) if (Math.abs(1 - abs(xs[i])) < Math.abs(1 - abs(xs[best]))) best = i;
    return best;
  };
  const take = (xs: C[], i: number) => xs.splice(i, 1)[0];
  const sos: number[][] = Array.from({ length: nSections }, () => [0, 0, 0, 0, 0, 0]);
  const section = (zs: C[], ps: C[]) => [...poly2(zs), ...poly2(ps)];
  for (let si = nSections - 1; si >= 0; si--) {
    const p1 = take(p, worst(p));
    const realPoles = p.filter(isRealC).length;
    if (isRealC(p1) && realPoles === 0) {
      const z1 = take(z, nearestIdx(z, p1, 'real'));
      sos[si] = section([z1, c(0)], [p1, c(0)]);
    } else if (p.length + 1 === z.length && !isRealC(p1) && realPoles === 1 && z.filter(isRealC).length === 1) {
      const z1 = take(z, nearestIdx(z, p1, 'complex'));
      sos[si] = section([z1, c(z1.re, -z1.im)], [p1, c(p1.re, -p1.im)]);
    } else {
      let p2: C;
      if (isRealC(p1)) {
        const realIdx = p.map((x, i) => (isRealC(x) ? i : -1)).filter((i) => i >= 0);
        const j = realIdx[worst(realIdx.map((i) => p[i]))];
        p2 = take(p, j);
      } else {
        p2 = c(p1.re, -p1.im);
      }
      if (z.length > 0) {
        const z1 = take(z, nearestIdx(z, p1, 'any'));
        if (!isRealC(z1)) sos[si] = section([z1, c(z1.re, -z1.im)], [p1, p2]);
        else if (z.length > 0) sos[si] = section([z1, take(z, nearestIdx(z, p1, 'real'))], [p1, p2]);
        else sos[si] = section([z1], [p1, p2]);
      } else {
        sos[si] = section([], [p1, p2]);
      }
    }
  }
  for (let j = 0; j < 3; j++) sos[0][j] *= k;
  return sos;
}
