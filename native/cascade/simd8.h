// Small AVX2 helpers of the fast-path kernel: 8x8 transposes between the row-major frame layout
// (line-contiguous) and the interleaved layout the kernels work in (row n = sample n of 8 or 16
// lines). Everything here is inline, internal, and allocation-free.
#pragma once
#include <immintrin.h>
#include <cstdint>

namespace specula {

/** Number of lines processed together: one AVX2 lane per line. */
constexpr int kLanes = 8;

/** In-register 8x8 float transpose: r[i] lane j  ->  r[j] lane i. */
static inline void transpose8(__m256 r[8]) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/**
 * Write an interleaved block `src[n*rs + lane]` (n in [0, count), rs = 8 or 16 floats per row) back
 * to row-major lines `dst[lane*stride + n]` for lanes < nl. `count` need not be a multiple of 8.
 */
template <typename T>
static inline void storeRows(const float* src, int count, T* dst, long stride, int nl, int rs = 8) {
  int n0 = 0;
  for (; n0 + 8 <= count; n0 += 8) {
    __m256 r[8];
    for (int j = 0; j < 8; ++j) r[j] = _mm256_load_ps(src + (n0 + j) * rs);
    transpose8(r);
    if constexpr (sizeof(T) == 4) {
      if (nl == 8) {  // common case: no per-lane checks
        for (int lane = 0; lane < 8; ++lane) _mm256_storeu_ps(reinterpret_cast<float*>(dst + lane * stride + n0), r[lane]);
        continue;
      }
    }
    for (int lane = 0; lane < nl; ++lane) {
      T* d = dst + lane * stride + n0;
      if constexpr (sizeof(T) == 4) {
        _mm256_storeu_ps(reinterpret_cast<float*>(d), r[lane]);
      } else {
        _mm256_storeu_pd(reinterpret_cast<double*>(d), _mm256_cvtps_pd(_mm256_castps256_ps128(r[lane])));
        _mm256_storeu_pd(reinterpret_cast<double*>(d) + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(r[lane], 1)));
      }
    }
  }
  for (; n0 < count; ++n0)
    for (int lane = 0; lane < nl; ++lane) dst[lane * stride + n0] = static_cast<T>(src[n0 * rs + lane]);
}

}  // namespace specula
