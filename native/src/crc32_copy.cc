// CRC-32 folded into a copy. The PCLMUL path is the classic "fold by 4" scheme (Gopal et al.,
// Intel, "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", 2009): four 128-bit
// accumulators are multiplied by x^(512±32) mod P and xored with the next 64 bytes, then reduced to
// 128 bits, to 64, to 32 (Barrett). Each 16-byte load feeds both the store to `dst` and the fold,
// so the bytes are read from memory once. The tail (< 16 bytes) and CPUs without PCLMUL use
// slice-by-8 tables.
#include "crc32_copy.h"

#include <immintrin.h>

#include <cstring>

namespace specula {

namespace {

constexpr uint32_t kPoly = 0xEDB88320u;

struct Tables {
  uint32_t t[8][256];
  Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};

const Tables& T() {
  static const Tables tables;
  return tables;
}

// `state` is the raw (non-inverted) register; callers invert at the ends.
uint32_t TableCopy(uint8_t* dst, const uint8_t* src, size_t n, uint32_t state) {
  const Tables& tb = T();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, src, 8);
    std::memcpy(dst, &w, 8);
    const uint32_t lo = static_cast<uint32_t>(w) ^ state;
    const uint32_t hi = static_cast<uint32_t>(w >> 32);
    state = tb.t[7][lo & 0xff] ^ tb.t[6][(lo >> 8) & 0xff] ^ tb.t[5][(lo >> 16) & 0xff] ^ tb.t[4][lo >> 24] ^
            tb.t[3][hi & 0xff] ^ tb.t[2][(hi >> 8) & 0xff] ^ tb.t[1][(hi >> 16) & 0xff] ^ tb.t[0][hi >> 24];
    src += 8;
    dst += 8;
    n -= 8;
  }
  while (n--) {
    const uint8_t b = *src++;
    if (dst) *dst++ = b;
    state = tb.t[0][(state ^ b) & 0xff] ^ (state >> 8);
  }
  return state;
}

#define SPECULA_CLMUL __attribute__((target("pclmul,sse4.1")))

SPECULA_CLMUL inline __m128i LoadStore(uint8_t* dst, const uint8_t* src, size_t off) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + off));
  if (dst) _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + off), v);
  return v;
}

SPECULA_CLMUL inline __m128i Fold(__m128i x, __m128i k, __m128i data) {
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), data);
}

// Fold constants for the reflected CRC-32 polynomial: x^(4*128+32), x^(4*128-32) mod P (fold by 4),
// x^(128+32), x^(128-32) mod P (fold by 1), x^64 mod P (64 → 32), and the Barrett pair (P', mu).
// Needs n >= 64; processes a multiple of 16 bytes and reports how many in *done.
SPECULA_CLMUL uint32_t ClmulCopy(uint8_t* dst, const uint8_t* src, size_t n, uint32_t state, size_t* done) {
  const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596ll, 0x154442bd4ll);
  const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009ell, 0x1751997d0ll);
  const __m128i k5 = _mm_set_epi64x(0, 0x163cd6124ll);
  const __m128i poly = _mm_set_epi64x(0x1f7011641ll, 0x1db710641ll);
  const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
  __m128i x0 = _mm_xor_si128(LoadStore(dst, src, 0), _mm_cvtsi32_si128(static_cast<int>(state)));
  __m128i x1 = LoadStore(dst, src, 16), x2 = LoadStore(dst, src, 32), x3 = LoadStore(dst, src, 48);
  size_t off = 64;
  for (; off + 64 <= n; off += 64) {
    x0 = Fold(x0, k1k2, LoadStore(dst, src, off));
    x1 = Fold(x1, k1k2, LoadStore(dst, src, off + 16));
    x2 = Fold(x2, k1k2, LoadStore(dst, src, off + 32));
    x3 = Fold(x3, k1k2, LoadStore(dst, src, off + 48));
  }
  x0 = Fold(x0, k3k4, x1);
  x0 = Fold(x0, k3k4, x2);
  x0 = Fold(x0, k3k4, x3);
  for (; off + 16 <= n; off += 16) x0 = Fold(x0, k3k4, LoadStore(dst, src, off));
  // 128 → 64 bits
  x0 = _mm_xor_si128(_mm_clmulepi64_si128(x0, k3k4, 0x10), _mm_srli_si128(x0, 8));
  // 64 → 32 bits
  x0 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x0, mask32), k5, 0x00), _mm_srli_si128(x0, 4));
  // Barrett reduction
  __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x0, mask32), poly, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, mask32), poly, 0x00);
  x0 = _mm_xor_si128(x0, t);
  *done = off;
  return static_cast<uint32_t>(_mm_extract_epi32(x0, 1));
}

bool HaveClmul() {
  static const bool have = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return have;
}

uint32_t Run(uint8_t* dst, const uint8_t* src, size_t n, uint32_t crc) {
  uint32_t state = ~crc;
  if (n >= 64 && HaveClmul()) {
    size_t done = 0;
    state = ClmulCopy(dst, src, n, state, &done);
    src += done;
    if (dst) dst += done;
    n -= done;
  }
  if (dst) {
    state = TableCopy(dst, src, n, state);
  } else {
    // No destination: reuse the table loop with a scratch target per 8-byte word.
    uint8_t scratch[8];
    const Tables& tb = T();
    while (n >= 8) {
      state = TableCopy(scratch, src, 8, state);
      src += 8;
      n -= 8;
    }
    while (n--) state = tb.t[0][(state ^ *src++) & 0xff] ^ (state >> 8);
  }
  return ~state;
}

}  // namespace

uint32_t CopyCrc32(uint8_t* dst, const uint8_t* src, size_t n, uint32_t crc) { return Run(dst, src, n, crc); }

uint32_t Crc32(const uint8_t* p, size_t n, uint32_t crc) { return Run(nullptr, p, n, crc); }

}  // namespace specula
