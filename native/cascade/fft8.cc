// Radix-4 / radix-2 FFT across 8 lanes (see fft8.h). Twiddles computed in double, stored float.
#include "fft8.h"

#include <cmath>
#include <stdexcept>

namespace specula {

Fft8::Fft8(int n) : n_(n), log2n_(0) {
  if (n < 4 || n > 65536 || (n & (n - 1)) != 0) throw std::invalid_argument("Fft8: size must be a power of two in [4, 65536]");
  while ((1 << log2n_) < n) ++log2n_;
  wr_.resize(n / 2);
  wi_.resize(n / 2);
  for (int j = 0; j < n / 2; ++j) {
    const double a = -2.0 * M_PI * j / n;
    wr_[j] = static_cast<float>(std::cos(a));
    wi_[j] = static_cast<float>(std::sin(a));
  }
  rev_.resize(n);
  for (int k = 0; k < n; ++k) {
    int r = 0;
    for (int b = 0; b < log2n_; ++b) r |= ((k >> b) & 1) << (log2n_ - 1 - b);
    rev_[k] = r;
  }
}

// Radix-2 DIF: one stage of span `half` (butterflies (a, a+half), twiddle e^{-2pi i j/(2 half)}).
// Radix-4 DIF: two radix-2 stages (spans 2q and q) fused, so each element is loaded/stored once
// per two stages; the output is identical to two radix-2 stages (same bit-reversed order).
void Fft8::forwardDif(float* re, float* im) const {
  const int n = n_;
  int len = n;
  // fused pairs of stages while at least 4 points per group remain
  while (len >= 4) {
    const int q = len / 4;
    const int tstep1 = n / len;      // twiddle stride of the first (span 2q) stage
    const int tstep2 = 2 * tstep1;   // of the second (span q) stage
    for (int s = 0; s < n; s += len) {
      for (int j = 0; j < q; ++j) {
        const int i0 = (s + j) * 8, i1 = i0 + q * 8, i2 = i0 + 2 * q * 8, i3 = i0 + 3 * q * 8;
        __m256 a0r = _mm256_load_ps(re + i0), a0i = _mm256_load_ps(im + i0);
        __m256 a1r = _mm256_load_ps(re + i1), a1i = _mm256_load_ps(im + i1);
        __m256 a2r = _mm256_load_ps(re + i2), a2i = _mm256_load_ps(im + i2);
        __m256 a3r = _mm256_load_ps(re + i3), a3i = _mm256_load_ps(im + i3);
        // stage 1 (span 2q): pairs (0,2) twiddle w^j, (1,3) twiddle w^(j+q)
        const __m256 wAr = _mm256_broadcast_ss(&wr_[j * tstep1]), wAi = _mm256_broadcast_ss(&wi_[j * tstep1]);
        const __m256 wBr = _mm256_broadcast_ss(&wr_[(j + q) * tstep1]), wBi = _mm256_broadcast_ss(&wi_[(j + q) * tstep1]);
        __m256 b0r = _mm256_add_ps(a0r, a2r), b0i = _mm256_add_ps(a0i, a2i);
        __m256 tr = _mm256_sub_ps(a0r, a2r), ti = _mm256_sub_ps(a0i, a2i);
        __m256 b2r = _mm256_fmsub_ps(tr, wAr, _mm256_mul_ps(ti, wAi));
        __m256 b2i = _mm256_fmadd_ps(tr, wAi, _mm256_mul_ps(ti, wAr));
        __m256 b1r = _mm256_add_ps(a1r, a3r), b1i = _mm256_add_ps(a1i, a3i);
        tr = _mm256_sub_ps(a1r, a3r);
        ti = _mm256_sub_ps(a1i, a3i);
        __m256 b3r = _mm256_fmsub_ps(tr, wBr, _mm256_mul_ps(ti, wBi));
        __m256 b3i = _mm256_fmadd_ps(tr, wBi, _mm256_mul_ps(ti, wBr));
        // stage 2 (span q): pairs (0,1) and (2,3), both twiddle w2^j
        const __m256 wCr = _mm256_broadcast_ss(&wr_[j * tstep2]), wCi = _mm256_broadcast_ss(&wi_[j * tstep2]);
        _mm256_store_ps(re + i0, _mm256_add_ps(b0r, b1r));
        _mm256_store_ps(im + i0, _mm256_add_ps(b0i, b1i));
        tr = _mm256_sub_ps(b0r, b1r);
        ti = _mm256_sub_ps(b0i, b1i);
        _mm256_store_ps(re + i1, _mm256_fmsub_ps(tr, wCr, _mm256_mul_ps(ti, wCi)));
        _mm256_store_ps(im + i1, _mm256_fmadd_ps(tr, wCi, _mm256_mul_ps(ti, wCr)));
        _mm256_store_ps(re + i2, _mm256_add_ps(b2r, b3r));
        _mm256_store_ps(im + i2, _mm256_add_ps(b2i, b3i));
        tr = _mm256_sub_ps(b2r, b3r);
        ti = _mm256_sub_ps(b2i, b3i);
        _mm256_store_ps(re + i3, _mm256_fmsub_ps(tr, wCr, _mm256_mul_ps(ti, wCi)));
        _mm256_store_ps(im + i3, _mm256_fmadd_ps(tr, wCi, _mm256_mul_ps(ti, wCr)));
      }
    }
    len /= 4;
  }
  if (len == 2) {  // odd log2(n): a last radix-2 stage, twiddle 1
    for (int s = 0; s < n; s += 2) {
      const int i0 = s * 8, i1 = i0 + 8;
      const __m256 ar = _mm256_load_ps(re + i0), ai = _mm256_load_ps(im + i0);
      const __m256 br = _mm256_load_ps(re + i1), bi = _mm256_load_ps(im + i1);
      _mm256_store_ps(re + i0, _mm256_add_ps(ar, br));
      _mm256_store_ps(im + i0, _mm256_add_ps(ai, bi));
      _mm256_store_ps(re + i1, _mm256_sub_ps(ar, br));
      _mm256_store_ps(im + i1, _mm256_sub_ps(ai, bi));
    }
  }
}

// Inverse DIT mirrors forwardDif exactly in reverse: a radix-2 first stage when log2(n) is odd, then
// fused radix-4 pairs (spans q then 2q) with conjugate twiddles.
void Fft8::inverseDit(float* re, float* im) const {
  const int n = n_;
  int len = (log2n_ & 1) ? 2 : 1;
  if (len == 2) {
    for (int s = 0; s < n; s += 2) {
      const int i0 = s * 8, i1 = i0 + 8;
      const __m256 ar = _mm256_load_ps(re + i0), ai = _mm256_load_ps(im + i0);
      const __m256 br = _mm256_load_ps(re + i1), bi = _mm256_load_ps(im + i1);
      _mm256_store_ps(re + i0, _mm256_add_ps(ar, br));
      _mm256_store_ps(im + i0, _mm256_add_ps(ai, bi));
      _mm256_store_ps(re + i1, _mm256_sub_ps(ar, br));
      _mm256_store_ps(im + i1, _mm256_sub_ps(ai, bi));
    }
  }
  for (len *= 4; len <= n; len *= 4) {
    const int q = len / 4;
    const int tstep1 = n / len;
    const int tstep2 = 2 * tstep1;
    for (int s = 0; s < n; s += len) {
      for (int j = 0; j < q; ++j) {
        const int i0 = (s + j) * 8, i1 = i0 + q * 8, i2 = i0 + 2 * q * 8, i3 = i0 + 3 * q * 8;
        const __m256 a0r = _mm256_load_ps(re + i0), a0i = _mm256_load_ps(im + i0);
        const __m256 a1r = _mm256_load_ps(re + i1), a1i = _mm256_load_ps(im + i1);
        const __m256 a2r = _mm256_load_ps(re + i2), a2i = _mm256_load_ps(im + i2);
        const __m256 a3r = _mm256_load_ps(re + i3), a3i = _mm256_load_ps(im + i3);
        // stage span q: t = conj(wC) * a1 ; (a0 +- t), same for (a2, a3)
        const __m256 wCr = _mm256_broadcast_ss(&wr_[j * tstep2]), wCi = _mm256_broadcast_ss(&wi_[j * tstep2]);
        __m256 tr = _mm256_fmadd_ps(a1r, wCr, _mm256_mul_ps(a1i, wCi));
        __m256 ti = _mm256_fmsub_ps(a1i, wCr, _mm256_mul_ps(a1r, wCi));
        const __m256 b0r = _mm256_add_ps(a0r, tr), b0i = _mm256_add_ps(a0i, ti);
        const __m256 b1r = _mm256_sub_ps(a0r, tr), b1i = _mm256_sub_ps(a0i, ti);
        tr = _mm256_fmadd_ps(a3r, wCr, _mm256_mul_ps(a3i, wCi));
        ti = _mm256_fmsub_ps(a3i, wCr, _mm256_mul_ps(a3r, wCi));
        const __m256 b2r = _mm256_add_ps(a2r, tr), b2i = _mm256_add_ps(a2i, ti);
        const __m256 b3r = _mm256_sub_ps(a2r, tr), b3i = _mm256_sub_ps(a2i, ti);
        // stage span 2q: pairs (0,2) twiddle conj(w^j), (1,3) twiddle conj(w^(j+q))
        const __m256 wAr = _mm256_broadcast_ss(&wr_[j * tstep1]), wAi = _mm256_broadcast_ss(&wi_[j * tstep1]);
        const __m256 wBr = _mm256_broadcast_ss(&wr_[(j + q) * tstep1]), wBi = _mm256_broadcast_ss(&wi_[(j + q) * tstep1]);
        tr = _mm256_fmadd_ps(b2r, wAr, _mm256_mul_ps(b2i, wAi));
        ti = _mm256_fmsub_ps(b2i, wAr, _mm256_mul_ps(b2r, wAi));
        _mm256_store_ps(re + i0, _mm256_add_ps(b0r, tr));
        _mm256_store_ps(im + i0, _mm256_add_ps(b0i, ti));
        _mm256_store_ps(re + i2, _mm256_sub_ps(b0r, tr));
        _mm256_store_ps(im + i2, _mm256_sub_ps(b0i, ti));
        tr = _mm256_fmadd_ps(b3r, wBr, _mm256_mul_ps(b3i, wBi));
        ti = _mm256_fmsub_ps(b3i, wBr, _mm256_mul_ps(b3r, wBi));
        _mm256_store_ps(re + i1, _mm256_add_ps(b1r, tr));
        _mm256_store_ps(im + i1, _mm256_add_ps(b1i, ti));
        _mm256_store_ps(re + i3, _mm256_sub_ps(b1r, tr));
        _mm256_store_ps(im + i3, _mm256_sub_ps(b1i, ti));
      }
    }
  }
}

}  // namespace specula
