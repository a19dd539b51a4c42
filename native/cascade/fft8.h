// Complex FFT of power-of-two size, vectorised ACROSS 8 independent signals (one per AVX2 lane).
// Data layout: split real/imaginary arrays, element m of signal `lane` at re[m*8 + lane].
// Why across lines: every line of a frame is transformed with the same plan, so 8 lines share the
// twiddle loads and each butterfly is 8-wide with no shuffles at all.
#pragma once
#include <immintrin.h>
#include <vector>

namespace specula {

class Fft8 {
 public:
  /** Plan for size n (power of two, 4 <= n <= 65536). Allocates the twiddle and bit-reversal tables. */
  explicit Fft8(int n);
  int size() const { return n_; }
  /** Forward transform (e^{-i...}), natural order in, BIT-REVERSED order out. In place. */
  void forwardDif(float* re, float* im) const;
  /** Inverse transform without 1/n (e^{+i...}), BIT-REVERSED order in, natural order out. In place. */
  void inverseDit(float* re, float* im) const;
  /** Bit-reversal permutation table: bitrev()[k] is where natural index k sits in the DIF output. */
  const int* bitrev() const { return rev_.data(); }

 private:
  int n_;
  int log2n_;
  std::vector<float> wr_, wi_;  // e^{-2 pi i j / n}, j < n/2
  std::vector<int> rev_;
};

}  // namespace specula
