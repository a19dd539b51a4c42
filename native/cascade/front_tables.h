// Plain tables handed to the S2-S4 kernels of front.h (a POD: safe to share between the AVX2 and the
// AVX-512 translation units).
#pragma once

namespace specula {

/** Tables shared by the front-half kernels (owned by RefKernel). */
struct FrontTables {
  int n;             // real length N (power of two)
  const float* win;  // [N] window
  const float* wr;   // [N/4] cos(2 pi j / (N/2)), twiddles of the half-size complex FFT
  const float* wi;   // [N/4] -sin(...)
  const int* rev;    // [N/2] bit reversal of the half-size FFT
  const float* twr;  // [N/2+1] cos(2 pi k / N), real-FFT split twiddles
  const float* twi;  // [N/2+1] -sin(2 pi k / N)
};

}  // namespace specula
