// AVX-512 (F + DQ) versions of the two sequential recurrences of the reference cascade: the SOS
// band-pass (S5) and the NLMS canceller (S6), 16 lines per vector. Only called after a runtime CPU
// check (cpuHasAvx512()); the .cc is compiled for AVX-512 via a pragma and shares no inline code with
// the rest of the addon (plain pointers in, nothing from the standard library), so no AVX-512
// instruction can leak into code that runs on an AVX2-only CPU.
#pragma once
#include <cstdint>

namespace specula {
namespace avx512 {

/** True when the CPU and OS support AVX-512F and AVX-512DQ. */
bool cpuHasAvx512();

/**
 * S5 for two 8-line blocks at once. xa, xb: interleaved 8-lane blocks (row n at x + 8n);
 * y: 16-lane rows (row n at y + 16n; lanes 0-7 from xa, 8-15 from xb). coef: 5 floats per section
 * (b0 b1 b2 a1 a2), 1 <= nsec <= 8.
 */
void sosPair(const float* coef, int nsec, const float* xa, const float* xb, float* y, int n);

/**
 * S6 for `pairs` 16-lane groups, advanced together. Group p: reference rows at rb + p*rbStride
 * (row n+M holds r[n]; rows 0..M-1 and M+N are zero), input/output rows at y/e + p*yStride,
 * weights at w + p*M*16. mu, eps as in the definition; energy kept exactly in double.
 */
void nlmsPairs(int M, const float* rb, long rbStride, const float* y, float* e, long yStride, float* w, int n,
               float mu, double eps, int pairs);

}  // namespace avx512
}  // namespace specula
