// AVX-512 (F + DQ) versions of the per-block work of the reference cascade, 16 lines per vector:
// S2-S4 (front.h instantiated for __m512), the SOS band-pass (S5) and the NLMS canceller (S6).
// Only called after a runtime CPU check (cpuHasAvx512() in cpu.h); the .cc is compiled for AVX-512 via a
// pragma and shares no inline code with the rest of the addon (plain pointers and a POD in, nothing
// from the standard library), so no AVX-512 instruction can leak into code run on an AVX2-only CPU.
#pragma once
#include <cstdint>

#include "front_tables.h"

namespace specula {
namespace avx512 {

/** front.h kernels for 16-lane blocks (see there). */
void window(const float* xb, const FrontTables& t, float* out);
void pack(const float* xb, const FrontTables& t, float* re, float* im);
void s3(const FrontTables& t, float* re, float* im, float* lm, float floor2, float dbScale, bool hilbert);
void pairs(const float* lm, int c0, int os, float* pb);
void s4(const float* xb, const FrontTables& t, float* re, float* im, float* env);

/**
 * Write an interleaved 16-lane block `src[n*16 + lane]` (n < count) back to row-major lines
 * `dst[lane*stride + n]` for lanes < nl, with 16x16 transposes and full-cache-line stores.
 */
void storeRows16(const float* src, int count, float* dst, long stride, int nl);

/** S1's exact column sums of the frame: sum[n] = sum over lines of raw[l*N + n] (N a multiple of 16). */
void columnSums(const uint16_t* raw, int L, int N, uint32_t* sum);

/**
 * The inverse: 16 row-major uint16 lines `src[l*stride + n]` (l < nl; lanes from nl on repeat line nl-1)
 * into rows of 16 floats `dst[n*16 + l]`, n < count (a multiple of 16), converting on the way:
 * with `bi`/`bf` (S1), x = f32(i32(src) - bi[n]) - bf[n]; without (bi = bf = null, the NLMS
 * reference), r = f32(src) - off. `dump` (may be null) receives the converted lines row-major.
 */
void loadRows16(const uint16_t* src, long stride, int nl, int count, const int32_t* bi, const float* bf, float off,
                float* dst, float* dump);

/**
 * S5 on `units` consecutive 16-lane blocks (x, y rows of 16, blocks n*16 floats apart). coef: 5 floats
 * per section (b0 b1 b2 a1 a2), 1 <= nsec <= 8.
 */
void sos16(const float* coef, int nsec, const float* x, float* y, int n, int units);

/**
 * S6 for `groups` 16-lane blocks, advanced together. Block p: reference rows at rb + p*rbStride
 * (row n+M holds r[n]; rows 0..M-1 and M+N are zero), input/output rows at y/e + p*yStride,
 * weights at w + p*M*16. mu, eps as in the definition; energy kept exactly in double.
 */
void nlms16(int M, const float* rb, long rbStride, const float* y, float* e, long yStride, float* w, int n, float mu,
            double eps, int groups);

}  // namespace avx512
}  // namespace specula
