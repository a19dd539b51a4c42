// The arithmetic of S2–S4 (window + pack, complex FFT and its inverse, real-spectrum split, log
// magnitude, Hilbert pre-processing, envelope), written once for any vector width: V is __m256
// (8 lines per vector, AVX2+FMA) or __m512 (16 lines, AVX-512F). Data layout: row n of a block holds
// sample n of W = lanes(V) lines (row stride W floats).
//
// Everything here has internal linkage (anonymous namespace): each translation unit compiles its
// own copy for its own instruction set, so the linker can never pick an AVX-512 copy for AVX2 code.
#pragma once
#include <immintrin.h>

#include "front_tables.h"

// __m256/__m512 carry may_alias, which template arguments drop: harmless here (values, not pointers).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"

namespace specula {
namespace {

template <class V> struct VT;

/**
 * sqrt(a) for a >= 0 without vsqrtps (a 12-cycle-throughput instruction on 16 lanes, ~15 % of S4):
 * y ≈ 1/sqrt(a) from a bit-level seed, three Newton steps y·(1.5 - a/2·y²), then a·y. Relative error
 * < 2e-7 (≤ 3 ulp from the correctly rounded root); a = 0 gives 0 (the seed is taken from
 * max(a, FLT_MIN), so it stays finite). Same ops for every width, so both ISAs agree bit for bit.
 */
template <class T, class V>
inline V sqrtNewton(V a) {
  const V am = T::max(a, T::set1(1.17549435e-38f));
  const V h = am * T::set1(0.5f), c = T::set1(1.5f);
  V y = T::rsqrtSeed(am);
  for (int i = 0; i < 3; ++i) y = y * T::fnmadd(h, y * y, c);
  return a * y;
}

/** ln(m)·… → 10·log10(m·2^e) for m in [sqrt(1/2), sqrt(2)) (see VT::tenLog10); same ops for every width. */
template <class T, class V>
inline V finishLogT(V m, V e) {
  // R(t) ≈ (ln(1+t) - t)/t², coefficients of t^0..t^7
  const V one = T::set1(1.0f);
  const V t = m - one, t2 = t * t;
  V r = T::set1(8.733148041e-02f);
  r = T::fmadd(r, t, T::set1(-1.444122267e-01f));
  r = T::fmadd(r, t, T::set1(1.497917587e-01f));
  r = T::fmadd(r, t, T::set1(-1.655242325e-01f));
  r = T::fmadd(r, t, T::set1(1.995363248e-01f));
  r = T::fmadd(r, t, T::set1(-2.500248750e-01f));
  r = T::fmadd(r, t, T::set1(3.333422486e-01f));
  r = T::fmadd(r, t, T::set1(-4.999998202e-01f));
  const V lnm = T::fmadd(t2, r, t);
  return T::fmadd(e, T::set1(0.693147180559945f), lnm) * T::set1(4.342944819032518f);  // 10/ln(10)
}

template <> struct VT<__m256> {
  static constexpr int W = 8;
  static __m256 load(const float* p) { return _mm256_load_ps(p); }
  static void store(float* p, __m256 v) { _mm256_store_ps(p, v); }
  static __m256 bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static __m256 set1(float f) { return _mm256_set1_ps(f); }
  static __m256 zero() { return _mm256_setzero_ps(); }
  static __m256 fmadd(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }
  static __m256 fmsub(__m256 a, __m256 b, __m256 c) { return _mm256_fmsub_ps(a, b, c); }
  static __m256 fnmadd(__m256 a, __m256 b, __m256 c) { return _mm256_fnmadd_ps(a, b, c); }
  static __m256 sqrt(__m256 a) { return _mm256_sqrt_ps(a); }
  /** Bit-level first guess of 1/sqrt(a) (a > 0 normal): relative error < 3.5 %. */
  static __m256 rsqrtSeed(__m256 a) {
    return _mm256_castsi256_ps(_mm256_sub_epi32(_mm256_set1_epi32(0x5f375a86), _mm256_srli_epi32(_mm256_castps_si256(a), 1)));
  }
  static __m256 max(__m256 a, __m256 b) { return _mm256_max_ps(a, b); }
  /**
   * 10*log10(p) for p > 0 (normal floats): p = m·2^e with m in [sqrt(1/2), sqrt(2)), then
   * ln(m) = t + t²·R(t), t = m - 1, R a degree-7 polynomial fitted (weighted least squares towards
   * minimax; native/cascade/tools/fit_log.py) to (ln(1+t) - t)/t² on that range: |error of ln(m)| < 7e-9
   * before rounding, so the result is limited by float32 rounding (|error| < ~1.3e-5 dB at 120 dB,
   * same as a correctly rounded log). No division (a vdivps was ~10 % of the whole kernel).
   */
  static __m256 tenLog10(__m256 p) {
    const __m256i bits = _mm256_castps_si256(p);
    __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
    __m256 m = _mm256_castsi256_ps(
        _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007FFFFF)), _mm256_set1_epi32(0x3F800000)));
    const __m256 big = _mm256_cmp_ps(m, _mm256_set1_ps(1.41421356f), _CMP_GE_OQ);
    m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5f)), big);
    e = _mm256_sub_epi32(e, _mm256_castps_si256(big));  // big lanes are -1 as int: e += 1
    return finishLog(m, _mm256_cvtepi32_ps(e));
  }
  static __m256 finishLog(__m256 m, __m256 e) { return finishLogT<VT<__m256>>(m, e); }
};

#ifdef SPECULA_FRONT_AVX512  // defined by the AVX-512 translation unit only
template <> struct VT<__m512> {
  static constexpr int W = 16;
  static __m512 load(const float* p) { return _mm512_load_ps(p); }
  static void store(float* p, __m512 v) { _mm512_store_ps(p, v); }
  static __m512 bcast(const float* p) { return _mm512_set1_ps(*p); }
  static __m512 set1(float f) { return _mm512_set1_ps(f); }
  static __m512 zero() { return _mm512_setzero_ps(); }
  static __m512 fmadd(__m512 a, __m512 b, __m512 c) { return _mm512_fmadd_ps(a, b, c); }
  static __m512 fmsub(__m512 a, __m512 b, __m512 c) { return _mm512_fmsub_ps(a, b, c); }
  static __m512 fnmadd(__m512 a, __m512 b, __m512 c) { return _mm512_fnmadd_ps(a, b, c); }
  static __m512 sqrt(__m512 a) { return _mm512_sqrt_ps(a); }
  static __m512 rsqrtSeed(__m512 a) {  // as the __m256 version
    return _mm512_castsi512_ps(_mm512_sub_epi32(_mm512_set1_epi32(0x5f375a86), _mm512_srli_epi32(_mm512_castps_si512(a), 1)));
  }
  static __m512 max(__m512 a, __m512 b) { return _mm512_max_ps(a, b); }
  static __m512 tenLog10(__m512 p) {  // as the __m256 version
    const __m512i bits = _mm512_castps_si512(p);
    __m512i e = _mm512_sub_epi32(_mm512_srli_epi32(bits, 23), _mm512_set1_epi32(127));
    __m512 m = _mm512_castsi512_ps(
        _mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi32(0x007FFFFF)), _mm512_set1_epi32(0x3F800000)));
    const __mmask16 big = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.41421356f), _CMP_GE_OQ);
    m = _mm512_mask_mul_ps(m, big, m, _mm512_set1_ps(0.5f));
    e = _mm512_mask_add_epi32(e, big, e, _mm512_set1_epi32(1));
    return finishLog(m, _mm512_cvtepi32_ps(e));
  }
  static __m512 finishLog(__m512 m, __m512 e) { return finishLogT<VT<__m512>>(m, e); }
};
#endif

// The FFTs work on n complex points of W lanes: 8·W·n bytes (64 KB for n = 512, W = 16), more than
// L1. Stages whose butterflies span more than kFftBlock points run breadth-first (one pass over the
// whole array each); once the sub-transforms fit in kFftBlock points (16 KB), each of them runs all its
// remaining stages while it sits in L1 (depth-first). Same operations on the same values in the same
// order per element as a plain stage-by-stage loop: only the order of independent butterflies changes.
template <class V>
constexpr int fftBlock() { return 16384 / (8 * VT<V>::W); }

// One radix-4 DIF stage of span `len` on points [s0, s1) (s0, s1 multiples of len) of an n-point FFT.
template <class V>
inline void difStage(float* re, float* im, int n, int s0, int s1, int len, const float* wr, const float* wi) {
  using T = VT<V>;
  constexpr int W = T::W;
  const int q = len / 4, ts1 = n / len, ts2 = 2 * ts1;
  for (int s = s0; s < s1; s += len) {
    for (int j = 0; j < q; ++j) {
      const int i0 = (s + j) * W, i1 = i0 + q * W, i2 = i0 + 2 * q * W, i3 = i0 + 3 * q * W;
      const V a0r = T::load(re + i0), a0i = T::load(im + i0), a1r = T::load(re + i1), a1i = T::load(im + i1);
      const V a2r = T::load(re + i2), a2i = T::load(im + i2), a3r = T::load(re + i3), a3i = T::load(im + i3);
      const V wAr = T::bcast(wr + j * ts1), wAi = T::bcast(wi + j * ts1);
      const V wBr = T::bcast(wr + (j + q) * ts1), wBi = T::bcast(wi + (j + q) * ts1);
      const V wCr = T::bcast(wr + j * ts2), wCi = T::bcast(wi + j * ts2);
      const V b0r = a0r + a2r, b0i = a0i + a2i;
      V tr = a0r - a2r, ti = a0i - a2i;
      const V b2r = T::fmsub(tr, wAr, ti * wAi), b2i = T::fmadd(tr, wAi, ti * wAr);
      const V b1r = a1r + a3r, b1i = a1i + a3i;
      tr = a1r - a3r;
      ti = a1i - a3i;
      const V b3r = T::fmsub(tr, wBr, ti * wBi), b3i = T::fmadd(tr, wBi, ti * wBr);
      T::store(re + i0, b0r + b1r);
      T::store(im + i0, b0i + b1i);
      tr = b0r - b1r;
      ti = b0i - b1i;
      T::store(re + i1, T::fmsub(tr, wCr, ti * wCi));
      T::store(im + i1, T::fmadd(tr, wCi, ti * wCr));
      T::store(re + i2, b2r + b3r);
      T::store(im + i2, b2i + b3i);
      tr = b2r - b3r;
      ti = b2i - b3i;
      T::store(re + i3, T::fmsub(tr, wCr, ti * wCi));
      T::store(im + i3, T::fmadd(tr, wCi, ti * wCr));
    }
  }
}

// Radix-2 butterflies (x[s], x[s+1]) on points [s0, s1): the odd stage of an FFT with odd log2(n).
template <class V>
inline void radix2Stage(float* re, float* im, int s0, int s1) {
  using T = VT<V>;
  constexpr int W = T::W;
  for (int s = s0; s < s1; s += 2) {
    const int i0 = s * W, i1 = i0 + W;
    const V ar = T::load(re + i0), ai = T::load(im + i0), br = T::load(re + i1), bi = T::load(im + i1);
    T::store(re + i0, ar + br);
    T::store(im + i0, ai + bi);
    T::store(re + i1, ar - br);
    T::store(im + i1, ai - bi);
  }
}

// Radix-4 DIF (two radix-2 stages fused; a last radix-2 stage when log2(n) is odd): natural order
// in, bit-reversed order out, in place.
template <class V>
void fftForward(float* re, float* im, int n, const float* wr, const float* wi) {
  int len = n;
  for (; len >= 4 && len > fftBlock<V>(); len /= 4) difStage<V>(re, im, n, 0, n, len, wr, wi);
  for (int s = 0; s < n; s += len) {  // depth-first: each block of `len` points stays in L1
    int l = len;
    for (; l >= 4; l /= 4) difStage<V>(re, im, n, s, s + len, l, wr, wi);
    if (l == 2) radix2Stage<V>(re, im, s, s + len);
  }
}

// One radix-4 DIT stage of span `len` on points [s0, s1) (the mirror of difStage, conjugate twiddles).
template <class V>
inline void ditStage(float* re, float* im, int n, int s0, int s1, int len, const float* wr, const float* wi) {
  using T = VT<V>;
  constexpr int W = T::W;
  const int q = len / 4, ts1 = n / len, ts2 = 2 * ts1;
  for (int s = s0; s < s1; s += len) {
    for (int j = 0; j < q; ++j) {
      const int i0 = (s + j) * W, i1 = i0 + q * W, i2 = i0 + 2 * q * W, i3 = i0 + 3 * q * W;
      const V a0r = T::load(re + i0), a0i = T::load(im + i0), a1r = T::load(re + i1), a1i = T::load(im + i1);
      const V a2r = T::load(re + i2), a2i = T::load(im + i2), a3r = T::load(re + i3), a3i = T::load(im + i3);
      const V wCr = T::bcast(wr + j * ts2), wCi = T::bcast(wi + j * ts2);
      V tr = T::fmadd(a1r, wCr, a1i * wCi), ti = T::fmsub(a1i, wCr, a1r * wCi);
      const V b0r = a0r + tr, b0i = a0i + ti, b1r = a0r - tr, b1i = a0i - ti;
      tr = T::fmadd(a3r, wCr, a3i * wCi);
      ti = T::fmsub(a3i, wCr, a3r * wCi);
      const V b2r = a2r + tr, b2i = a2i + ti, b3r = a2r - tr, b3i = a2i - ti;
      const V wAr = T::bcast(wr + j * ts1), wAi = T::bcast(wi + j * ts1);
      const V wBr = T::bcast(wr + (j + q) * ts1), wBi = T::bcast(wi + (j + q) * ts1);
      tr = T::fmadd(b2r, wAr, b2i * wAi);
      ti = T::fmsub(b2i, wAr, b2r * wAi);
      T::store(re + i0, b0r + tr);
      T::store(im + i0, b0i + ti);
      T::store(re + i2, b0r - tr);
      T::store(im + i2, b0i - ti);
      tr = T::fmadd(b3r, wBr, b3i * wBi);
      ti = T::fmsub(b3i, wBr, b3r * wBi);
      T::store(re + i1, b1r + tr);
      T::store(im + i1, b1i + ti);
      T::store(re + i3, b1r - tr);
      T::store(im + i3, b1i - ti);
    }
  }
}

// Inverse of fftForward without 1/n: bit-reversed order in, natural order out (stages mirrored,
// conjugate twiddles). Small stages first, depth-first per L1-sized block, then the large ones.
template <class V>
void fftInverse(float* re, float* im, int n, const float* wr, const float* wi) {
  int log2n = 0;
  while ((1 << log2n) < n) ++log2n;
  const int first = (log2n & 1) ? 2 : 1;  // span of the first stage (radix-2 when log2n is odd)
  int block = first;                      // largest stage span that fits in fftBlock points
  while (block * 4 <= n && block * 4 <= fftBlock<V>()) block *= 4;
  for (int s = 0; s < n; s += block) {
    if (first == 2) radix2Stage<V>(re, im, s, s + block);
    for (int l = first * 4; l <= block; l *= 4) ditStage<V>(re, im, n, s, s + block, l, wr, wi);
  }
  for (int len = block * 4; len <= n; len *= 4) ditStage<V>(re, im, n, 0, n, len, wr, wi);
}

/** xw = x * win into `out` (rows of W), for stage dumps. */
template <class V>
void frontWindow(const float* xb, const FrontTables& t, float* out) {
  using T = VT<V>;
  for (int n = 0; n < t.n; ++n) T::store(out + n * T::W, T::load(xb + n * T::W) * T::bcast(t.win + n));
}

/** S2: window and pack the real line as a half-size complex signal z[m] = xw[2m] + i xw[2m+1]. */
template <class V>
void frontPack(const float* xb, const FrontTables& t, float* re, float* im) {
  using T = VT<V>;
  constexpr int W = T::W;
  for (int m = 0; m < t.n / 2; ++m) {
    T::store(re + m * W, T::load(xb + 2 * m * W) * T::bcast(t.win + 2 * m));
    T::store(im + m * W, T::load(xb + (2 * m + 1) * W) * T::bcast(t.win + 2 * m + 1));
  }
}

/**
 * S3: FFT of size N/2 of the packed line, split into the real spectrum X[k] (k = 0..N/2) and
 * lm[k] = (db/20) * 10 log10(max(|X|^2, floor^2)).
 *
 * With `hilbert`, the same pass also prepares S4's inverse FFT in place (frontS4 then only runs it):
 * the analytic signal is a = xw + i*H with H = irfft(Y), Y[k] = -i X[k] (k = 1..N/2-1), Y[0] = Y[N/2]
 * = 0 (h[0] = h[N/2] = 1, 2 / 0 elsewhere, so Re a = xw and H is real: one half-size inverse FFT of
 * the packed Y). Packing Y at k needs X[k] and X[N/2-k], which are exactly what the split computes
 * from Z[k] and Z[N/2-k]; the pair is done in one iteration, and its output goes to the two slots it
 * has just read (rev[k], rev[N/2-k]), so X never has to leave registers.
 */
template <class V>
void frontS3(const FrontTables& t, float* re, float* im, float* lm, float floor2, float dbScale, bool hilbert) {
  using T = VT<V>;
  constexpr int W = T::W;
  const int Nc = t.n / 2;
  fftForward<V>(re, im, Nc, t.wr, t.wi);
  const V half = T::set1(0.5f), fl2 = T::set1(floor2), dbs = T::set1(dbScale), zero = T::zero();
  const V s = T::set1(0.5f / static_cast<float>(Nc));
  {  // k = 0 and k = Nc: X0 = Re Z0 + Im Z0, X_Nc = Re Z0 - Im Z0, both real
    const V zr = T::load(re), zi = T::load(im);
    const V x0 = zr + zi, xn = zr - zi;
    T::store(lm, dbs * T::tenLog10(T::max(x0 * x0, fl2)));
    T::store(lm + Nc * W, dbs * T::tenLog10(T::max(xn * xn, fl2)));
    if (hilbert) {  // Y[0] = 0 (slot rev[0] = 0)
      T::store(re, zero);
      T::store(im, zero);
    }
  }
  // X[k] from Z at slots ia = rev[k], ib = rev[Nc-k]: E = (A + conj B)/2, O = (A - conj B)/(2i); X = E + W^k O
  auto split = [&](int k, V ar, V ai, V brr, V bim, V& xr, V& xi) {
    const V br = brr, bi = zero - bim;
    const V er = half * (ar + br), ei = half * (ai + bi);
    const V orr = half * (ai - bi), oi = half * (br - ar);
    const V wr = T::bcast(t.twr + k), wi = T::bcast(t.twi + k);
    xr = er + T::fmsub(orr, wr, oi * wi);
    xi = ei + T::fmadd(orr, wi, oi * wr);
    T::store(lm + k * W, dbs * T::tenLog10(T::max(T::fmadd(xr, xr, xi * xi), fl2)));
  };
  // packed Y at k: A = Y[k] = (Xi[k], -Xr[k]), B = conj(Y[Nc-k]) = (Xi[Nc-k], Xr[Nc-k])
  auto packY = [&](int k, V xkr, V xki, V xmr, V xmi, int at) {
    const V ar = xki, ai = zero - xkr, br = xmi, bi = xmr;
    const V er = s * (ar + br), ei = s * (ai + bi), dr = s * (ar - br), di = s * (ai - bi);
    const V wr = T::bcast(t.twr + k), wi = T::bcast(t.twi + k);
    const V orr = T::fmadd(dr, wr, di * wi), oi = T::fmsub(di, wr, dr * wi);  // O = D * conj(W^k)
    T::store(re + at, er - oi);
    T::store(im + at, ei + orr);
  };
  for (int k = 1; 2 * k <= Nc; ++k) {
    const int m = Nc - k;
    const int ia = t.rev[k] * W, ib = t.rev[m] * W;
    const V ar = T::load(re + ia), ai = T::load(im + ia), br = T::load(re + ib), bi = T::load(im + ib);
    V xkr, xki, xmr, xmi;
    split(k, ar, ai, br, bi, xkr, xki);
    if (m != k) split(m, br, bi, ar, ai, xmr, xmi);
    else xmr = xkr, xmi = xki;
    if (hilbert) {
      packY(k, xkr, xki, xmr, xmi, ia);
      if (m != k) packY(m, xmr, xmi, xkr, xki, ib);
    }
  }
}

/** S7 helper: per-line sums of bin pairs (c0 + 2k, c0 + 2k + 1), k < os. */
template <class V>
void frontPairs(const float* lm, int c0, int os, float* pb) {
  using T = VT<V>;
  constexpr int W = T::W;
  for (int k = 0; k < os; ++k) T::store(pb + k * W, T::load(lm + (c0 + 2 * k) * W) + T::load(lm + (c0 + 2 * k + 1) * W));
}

/**
 * S4 after frontS3(..., hilbert = true) packed Y into re/im: H = irfft(Y) by one half-size inverse
 * FFT (H[2m] = re[m], H[2m+1] = im[m]), then env = sqrt(xw^2 + H^2) (sqrtNewton).
 */
template <class V>
void frontS4(const float* xb, const FrontTables& t, float* re, float* im, float* env) {
  using T = VT<V>;
  constexpr int W = T::W;
  const int Nc = t.n / 2;
  fftInverse<V>(re, im, Nc, t.wr, t.wi);
  for (int m = 0; m < Nc; ++m) {
    const V h0 = T::load(re + m * W), h1 = T::load(im + m * W);
    const V x0 = T::load(xb + 2 * m * W) * T::bcast(t.win + 2 * m);
    const V x1 = T::load(xb + (2 * m + 1) * W) * T::bcast(t.win + 2 * m + 1);
    T::store(env + 2 * m * W, sqrtNewton<T>(T::fmadd(x0, x0, h0 * h0)));
    T::store(env + (2 * m + 1) * W, sqrtNewton<T>(T::fmadd(x1, x1, h1 * h1)));
  }
}

}  // namespace
}  // namespace specula

#pragma GCC diagnostic pop
