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

template <int NS>
void sos(const float* coef, const float* x, float* y, int N) {
  __m512 b0[NS], b1[NS], b2[NS], a1[NS], a2[NS], z0[NS], z1[NS];
  for (int s = 0; s < NS; ++s) {
    b0[s] = _mm512_set1_ps(coef[s * 5 + 0]);
    b1[s] = _mm512_set1_ps(coef[s * 5 + 1]);
    b2[s] = _mm512_set1_ps(coef[s * 5 + 2]);
    a1[s] = _mm512_set1_ps(coef[s * 5 + 3]);
    a2[s] = _mm512_set1_ps(coef[s * 5 + 4]);
    z0[s] = _mm512_setzero_ps();
    z1[s] = _mm512_setzero_ps();
  }
  for (int n = 0; n < N; ++n) {
    __m512 xc = _mm512_load_ps(x + n * 16);
    for (int s = 0; s < NS; ++s) {
      const __m512 xn = _mm512_fmadd_ps(b0[s], xc, z0[s]);
      z0[s] = _mm512_fmadd_ps(b1[s], xc, _mm512_fnmadd_ps(a1[s], xn, z1[s]));
      z1[s] = _mm512_fnmadd_ps(a2[s], xn, _mm512_mul_ps(b2[s], xc));
      xc = xn;
    }
    _mm512_store_ps(y + n * 16, xc);
  }
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
      const __m512 rn = _mm512_load_ps(rg + (n + M) * 16), ro = _mm512_load_ps(rg + n * 16);
      const __m512d rn0 = _mm512_cvtps_pd(_mm512_castps512_ps256(rn)), rn1 = _mm512_cvtps_pd(_mm512_extractf32x8_ps(rn, 1));
      const __m512d ro0 = _mm512_cvtps_pd(_mm512_castps512_ps256(ro)), ro1 = _mm512_cvtps_pd(_mm512_extractf32x8_ps(ro, 1));
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

}  // namespace

void window(const float* xb, const FrontTables& t, float* out) { frontWindow<__m512>(xb, t, out); }
void pack(const float* xb, const FrontTables& t, float* re, float* im) { frontPack<__m512>(xb, t, re, im); }
void s3(const FrontTables& t, float* re, float* im, float* spr, float* spi, float* lm, float floor2, float dbScale) {
  frontS3<__m512>(t, re, im, spr, spi, lm, floor2, dbScale);
}
void pairs(const float* lm, int c0, int os, float* pb) { frontPairs<__m512>(lm, c0, os, pb); }
void s4(const float* xb, const FrontTables& t, const float* spr, const float* spi, float* re, float* im, float* env) {
  frontS4<__m512>(xb, t, spr, spi, re, im, env);
}

void sos16(const float* coef, int nsec, const float* x, float* y, int n) {
  switch (nsec) {
    case 1: sos<1>(coef, x, y, n); break;
    case 2: sos<2>(coef, x, y, n); break;
    case 3: sos<3>(coef, x, y, n); break;
    case 4: sos<4>(coef, x, y, n); break;
    case 5: sos<5>(coef, x, y, n); break;
    case 6: sos<6>(coef, x, y, n); break;
    case 7: sos<7>(coef, x, y, n); break;
    default: sos<8>(coef, x, y, n); break;
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
