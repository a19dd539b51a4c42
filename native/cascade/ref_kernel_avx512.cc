// AVX-512 S5/S6 kernels (see ref_kernel_avx512.h). Same arithmetic, in the same order, as the AVX2
// versions in ref_kernel.cc; only the vector width differs (16 lines instead of 8).
#pragma GCC target("avx512f,avx512dq")
// GCC 12's own avx512 headers trip this warning (deliberately undefined upper halves in casts).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "ref_kernel_avx512.h"

#include <immintrin.h>

#define SPECULA_FRONT_AVX512
#include "front.h"

namespace specula {
namespace avx512 {

namespace {

// U units (16 lines each, x/y rows of 16 floats, units `ustride` floats apart) filtered together:
// one unit's sample-to-sample chain runs through all NS sections (4 cycles per FMA, ~4·NS cycles per
// sample), so a single unit is latency-bound; two interleaved units fill the FMA ports instead.
template <int NS, int U>
void sos(const float* coef, const float* x, float* y, int N, long ustride) {
  __m512 z0[U][NS], z1[U][NS];
  for (int u = 0; u < U; ++u)
    for (int s = 0; s < NS; ++s) z0[u][s] = z1[u][s] = _mm512_setzero_ps();
  for (int n = 0; n < N; ++n) {
    __m512 xc[U];
    for (int u = 0; u < U; ++u) xc[u] = _mm512_load_ps(x + u * ustride + n * 16);
    for (int s = 0; s < NS; ++s) {
      const __m512 b0 = _mm512_set1_ps(coef[s * 5 + 0]), b1 = _mm512_set1_ps(coef[s * 5 + 1]);
      const __m512 b2 = _mm512_set1_ps(coef[s * 5 + 2]), a1 = _mm512_set1_ps(coef[s * 5 + 3]);
      const __m512 a2 = _mm512_set1_ps(coef[s * 5 + 4]);
      for (int u = 0; u < U; ++u) {
        const __m512 xn = _mm512_fmadd_ps(b0, xc[u], z0[u][s]);
        z0[u][s] = _mm512_fmadd_ps(b1, xc[u], _mm512_fnmadd_ps(a1, xn, z1[u][s]));
        z1[u][s] = _mm512_fnmadd_ps(a2, xn, _mm512_mul_ps(b2, xc[u]));
        xc[u] = xn;
      }
    }
    for (int u = 0; u < U; ++u) _mm512_store_ps(y + u * ustride + n * 16, xc[u]);
  }
}

template <int NS>
void sosUnits(const float* coef, const float* x, float* y, int N, int units) {
  const long us = static_cast<long>(N) * 16;
  int u = 0;
  for (; u + 2 <= units; u += 2) sos<NS, 2>(coef, x + u * us, y + u * us, N, us);
  if (u < units) sos<NS, 1>(coef, x + u * us, y + u * us, N, us);
}

template <int MT, int G>
void nlms(int Mrt, const float* rb, long rbStride, const float* y, float* e, long yStride, float* w, int N, float mu,
          double eps) {
  const int M = MT > 0 ? MT : Mrt;
  for (int i = 0; i < G * M * 16; ++i) w[i] = 0.f;
  __m512d E[G][2];
  __m512 yhat[G];
  for (int g = 0; g < G; ++g) {
    E[g][0] = E[g][1] = _mm512_setzero_pd();
    yhat[g] = _mm512_setzero_ps();
  }
  const __m512d epsv = _mm512_set1_pd(eps);
  const __m512 muv = _mm512_set1_ps(mu);
  for (int n = 0; n < N; ++n) {
    __m512 step[G];
    for (int g = 0; g < G; ++g) {
      const float* rg = rb + g * rbStride;
      // halves loaded as 256-bit (no extract shuffles on the busy shuffle port)
      const float* pn = rg + (n + M) * 16;
      const float* po = rg + n * 16;
      const __m512d rn0 = _mm512_cvtps_pd(_mm256_load_ps(pn)), rn1 = _mm512_cvtps_pd(_mm256_load_ps(pn + 8));
      const __m512d ro0 = _mm512_cvtps_pd(_mm256_load_ps(po)), ro1 = _mm512_cvtps_pd(_mm256_load_ps(po + 8));
      E[g][0] = _mm512_fnmadd_pd(ro0, ro0, _mm512_fmadd_pd(rn0, rn0, E[g][0]));
      E[g][1] = _mm512_fnmadd_pd(ro1, ro1, _mm512_fmadd_pd(rn1, rn1, E[g][1]));
      const __m512 den = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(_mm512_add_pd(E[g][0], epsv))),
                                            _mm512_cvtpd_ps(_mm512_add_pd(E[g][1], epsv)), 1);
      step[g] = _mm512_div_ps(muv, den);
    }
    for (int g = 0; g < G; ++g) {
      const float* row = rb + g * rbStride + (n + M) * 16;  // r[n]
      float* wg = w + g * M * 16;
      const __m512 en = _mm512_sub_ps(_mm512_load_ps(y + g * yStride + n * 16), yhat[g]);
      _mm512_store_ps(e + g * yStride + n * 16, en);
      const __m512 gain = _mm512_mul_ps(en, step[g]);
      __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
      __m512 next = _mm512_load_ps(row + 16);  // r[n+1] = u_0(n+1)
      for (int k = 0; k < M; ++k) {
        const __m512 uk = _mm512_load_ps(row - 16 * k);  // r[n-k]
        const __m512 wk = _mm512_fmadd_ps(gain, uk, _mm512_load_ps(wg + 16 * k));
        _mm512_store_ps(wg + 16 * k, wk);
        acc[k & 3] = _mm512_fmadd_ps(wk, next, acc[k & 3]);
        next = uk;
      }
      yhat[g] = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
    }
  }
}

// In-register 16x16 transpose: r[i] lane j -> r[j] lane i (4 rounds of 16 shuffles).
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) {
      t[8 * i + j] = _mm512_shuffle_f32x4(r[8 * i + j], r[8 * i + 4 + j], 0x88);
      t[8 * i + 4 + j] = _mm512_shuffle_f32x4(r[8 * i + j], r[8 * i + 4 + j], 0xDD);
    }
  for (int j = 0; j < 8; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
    r[j + 8] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xDD);
  }
}

}  // namespace

namespace {
// Partial chunk of storeRows16: samples [n0, n0 + 16) clipped to [0, count), masked stores.
void storeEdge16(const float* src, int count, float* dst, long stride, int nl, int n0) {
  __m512 r[16];
  for (int j = 0; j < 16; ++j) {
    int n = n0 + j;
    n = n < 0 ? 0 : n >= count ? count - 1 : n;  // rows outside [0, count) only feed masked lanes
    r[j] = _mm512_load_ps(src + static_cast<long>(n) * 16);
  }
  transpose16(r);
  uint32_t m = 0xFFFF;
  if (n0 < 0) m &= 0xFFFFu << -n0;
  if (n0 + 16 > count) m &= 0xFFFFu >> (n0 + 16 - count);
  const __mmask16 k = static_cast<__mmask16>(m);
  // the masked-off head lies before dst: form the address as an integer
  uintptr_t d = reinterpret_cast<uintptr_t>(dst) + static_cast<intptr_t>(n0) * 4;
  for (int l = 0; l < nl; ++l, d += stride * 4) _mm512_mask_storeu_ps(reinterpret_cast<float*>(d), k, r[l]);
}
}  // namespace

void storeRows16(const float* src, int count, float* dst, long stride, int nl) {
  // Chunks of 16 samples aligned to the destination's cache lines (64 B): every full chunk is one
  // aligned 64-byte store per line instead of two half-line stores (8x8 transposes). The chunks
  // at both ends are partial: masked stores (masked-out elements are neither written nor faulted).
  const int a = static_cast<int>((reinterpret_cast<uintptr_t>(dst) >> 2) & 15);
  int n0 = 0;
  if (a) {
    storeEdge16(src, count, dst, stride, nl, -a);
    n0 = 16 - a;
  }
  for (; n0 + 16 <= count; n0 += 16) {
    __m512 r[16];
    const float* sp = src + static_cast<long>(n0) * 16;
    for (int j = 0; j < 16; ++j) r[j] = _mm512_load_ps(sp + 16 * j);
    transpose16(r);
    float* d = dst + n0;
    if (nl == 16) {
      for (int l = 0; l < 16; ++l, d += stride) _mm512_storeu_ps(d, r[l]);
    } else {
      for (int l = 0; l < nl; ++l, d += stride) _mm512_storeu_ps(d, r[l]);
    }
  }
  if (n0 < count) storeEdge16(src, count, dst, stride, nl, n0);
}

void columnSums(const uint16_t* raw, int L, int N, uint32_t* sum) {
  // four lines per pass over the sums: the sums are loaded and stored once per four lines
  const long n = N;
  int l = 0;
  for (int c = 0; c < N; c += 16) _mm512_store_si512(sum + c, _mm512_setzero_si512());
  for (; l + 4 <= L; l += 4) {
    const uint16_t* r = raw + l * n;
    for (int c = 0; c < N; c += 16) {
      const __m512i a = _mm512_add_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + c))),
                                         _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + n + c))));
      const __m512i b = _mm512_add_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + 2 * n + c))),
                                         _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + 3 * n + c))));
      _mm512_store_si512(sum + c, _mm512_add_epi32(_mm512_load_si512(sum + c), _mm512_add_epi32(a, b)));
    }
  }
  for (; l < L; ++l) {
    const uint16_t* r = raw + l * n;
    for (int c = 0; c < N; c += 16)
      _mm512_store_si512(sum + c, _mm512_add_epi32(_mm512_load_si512(sum + c),
                                                   _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + c)))));
  }
}

void loadRows16(const uint16_t* src, long stride, int nl, int count, const int32_t* bi, const float* bf, float off,
                float* dst, float* dump) {
  const __m512i zi = _mm512_setzero_si512();
  const __m512 offv = _mm512_set1_ps(off);
  for (int n0 = 0; n0 < count; n0 += 16) {
    const __m512i biv = bi ? _mm512_load_si512(bi + n0) : zi;
    const __m512 bfv = bf ? _mm512_load_ps(bf + n0) : offv;
    __m512 r[16];
    const uint16_t* sp = src + n0;
    for (int l = 0; l < 16; ++l) {
      if (l < nl && l > 0) sp += stride;  // lanes past nl repeat the last line
      const __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sp)));
      r[l] = _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(v, biv)), bfv);
    }
    if (dump)
      for (int l = 0; l < nl; ++l) _mm512_storeu_ps(dump + l * stride + n0, r[l]);
    transpose16(r);
    float* d = dst + static_cast<long>(n0) * 16;
    for (int j = 0; j < 16; ++j) _mm512_store_ps(d + 16 * j, r[j]);
  }
}

void window(const float* xb, const FrontTables& t, float* out) { frontWindow<__m512>(xb, t, out); }
void pack(const float* xb, const FrontTables& t, float* re, float* im) { frontPack<__m512>(xb, t, re, im); }
void s3(const FrontTables& t, float* re, float* im, float* lm, float floor2, float dbScale, bool hilbert) {
  frontS3<__m512>(t, re, im, lm, floor2, dbScale, hilbert);
}
void pairs(const float* lm, int c0, int os, float* pb) { frontPairs<__m512>(lm, c0, os, pb); }
void s4(const float* xb, const FrontTables& t, float* re, float* im, float* env) { frontS4<__m512>(xb, t, re, im, env); }

void sos16(const float* coef, int nsec, const float* x, float* y, int n, int units) {
  switch (nsec) {
    case 1: sosUnits<1>(coef, x, y, n, units); break;
    case 2: sosUnits<2>(coef, x, y, n, units); break;
    case 3: sosUnits<3>(coef, x, y, n, units); break;
    case 4: sosUnits<4>(coef, x, y, n, units); break;
    case 5: sosUnits<5>(coef, x, y, n, units); break;
    case 6: sosUnits<6>(coef, x, y, n, units); break;
    case 7: sosUnits<7>(coef, x, y, n, units); break;
    default: sosUnits<8>(coef, x, y, n, units); break;
  }
}

void nlms16(int M, const float* rb, long rbStride, const float* y, float* e, long yStride, float* w, int n, float mu,
            double eps, int groups) {
  if (groups == 2) {
    if (M == 16) nlms<16, 2>(M, rb, rbStride, y, e, yStride, w, n, mu, eps);
    else nlms<0, 2>(M, rb, rbStride, y, e, yStride, w, n, mu, eps);
  } else if (groups == 4) {
    if (M == 16) nlms<16, 4>(M, rb, rbStride, y, e, yStride, w, n, mu, eps);
    else nlms<0, 4>(M, rb, rbStride, y, e, yStride, w, n, mu, eps);
  } else {
    for (int p = 0; p < groups; ++p) {
      if (M == 16) nlms<16, 1>(M, rb + p * rbStride, rbStride, y + p * yStride, e + p * yStride, yStride, w + p * M * 16, n, mu, eps);
      else nlms<0, 1>(M, rb + p * rbStride, rbStride, y + p * yStride, e + p * yStride, yStride, w + p * M * 16, n, mu, eps);
    }
  }
}

}  // namespace avx512
}  // namespace specula
