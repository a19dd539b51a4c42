// The reference cascade (shared/reference-cascade.md, S1..S7) as one fused float32 SIMD kernel.
// Lines are processed W at a time, one per vector lane (W = 8 with AVX2+FMA, 16 with AVX-512), in an
// interleaved block (sample-major: row n holds sample n of W lines): the recurrences of S5 (IIR) and
// S6 (NLMS) are sequential along samples but independent across lines, so they vectorise across
// lanes with no shuffles, and the FFTs share twiddles. Each block runs S1..S6 while its data sits in
// L1/L2; S7 runs on the frame's (pair-summed) log-magnitude. All buffers are allocated in the
// constructor; run() allocates nothing. With AVX-512 the frame/reference are read and env/e written
// with 16x16 transposes and full-cache-line stores (ref_kernel_avx512.h: loadRows16, storeRows16).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "front_tables.h"

namespace specula {

/** Parameters of the reference cascade (names as in params.json). */
struct RefParams {
  int lines = 600, samples = 1024;
  /** Second-order sections, rows [b0 b1 b2 a0 a1 a2] with a0 == 1. */
  std::vector<double> sos;
  int taps = 16;
  double mu = 0.5, eps = 1e-6, floor = 1e-3, refOffset = 32768.0;
  /** S3: logmag = db * log10(max(|X|, floor)). */
  double db = 20.0;
  double loDb = 40.0, hiDb = 120.0;
  int outLines = 512, outSamples = 256;
  /** S7 input bins [sampleStart, sampleEnd) of the spectrum; sampleEnd < 0 means all N/2+1. */
  int sampleStart = 0, sampleEnd = -1;
  /**
   * Optional stages. S1, S2, S3 and S7 always run; S4 (Hilbert envelope), S5 (band-pass) and S6
   * (NLMS, needs S5) can be switched off, e.g. for the light preset (S1+S2+S3+S7). A switched-off
   * stage's parameters are not validated, its buffers are not allocated, and its outputs are
   * ignored; without S6 the reference channel is not read (may be null).
   */
  bool hilbert = true, sosfilt = true, nlms = true;
};

/** Blocks of 8 lines whose NLMS recurrences are interleaved (see nlmsGroup). */
#ifndef SPECULA_NLMS_GROUP
#define SPECULA_NLMS_GROUP 4
#endif
constexpr int kGroup = SPECULA_NLMS_GROUP;

enum RefStage { kS1 = 0, kS2, kS3, kS4, kS5, kS6, kS7, kStageCount };

/** Stage outputs as row-major float32 arrays (any may be null = not wanted). */
struct RefOutputs {
  float* x = nullptr;       // S1, lines x samples
  float* xw = nullptr;      // S2, lines x samples
  float* logmag = nullptr;  // S3, lines x (samples/2 + 1)
  float* env = nullptr;     // S4, lines x samples
  float* y = nullptr;       // S5, lines x samples
  float* e = nullptr;       // S6, lines x samples
  float* dec = nullptr;     // S7 float, outLines x outSamples
  uint8_t* u8 = nullptr;    // S7 display, outLines x outSamples
};

class RefKernel {
 public:
  /** Validates the parameters (throws std::invalid_argument naming the problem) and allocates. */
  explicit RefKernel(const RefParams& p);
  const RefParams& params() const { return p_; }
  /**
   * One frame: raw and ref are lines x samples uint16, row-major. Fills the requested outputs and
   * stageMs[kStageCount] (CLOCK_MONOTONIC, accumulated per stage across blocks).
   */
  void run(const uint16_t* raw, const uint16_t* ref, const RefOutputs& out, double* stageMs);
  /** Whether kernel stage k (kS1..kS7) is part of this kernel (see RefParams::hilbert etc.). */
  bool hasStage(int k) const {
    return k == kS4 ? p_.hilbert : k == kS5 ? p_.sosfilt : k == kS6 ? p_.nlms : (k >= 0 && k < kStageCount);
  }

 private:
  void blockS1(const uint16_t* raw, int l0, int nl, float* xDump, float* dst);
  void unitS2S4(int lu, int nbu, const RefOutputs& out, bool forS7);
  void groupS5(int lg, int nb, float* yDump);
  void loadRef(const uint16_t* ref, int l0, int nl, int g);
  void groupS6(int l0, int nb, float* e);
  void stageS7(const float* logmag, float* dec, uint8_t* u8);
  /** Offset of block g's lanes in a buffer of `rows` rows of W_ floats per unit (8 or 16 lanes). */
  long slotOff(int g, long rows) const { return (g / (W_ / 8)) * rows * W_ + (g % (W_ / 8)) * 8; }

  RefParams p_;
  int L_, N_, K_;  // K_ = N/2 + 1 spectrum bins
  int nsec_;
  /** AVX-512 in use: units of 16 lines (2 blocks of 8) for S2..S6, else units of 8 lines. */
  bool use512_ = false;
  int W_ = 8;
  struct Free { void operator()(float* q) const; };
  std::unique_ptr<float[], Free> mem_;
  // views into mem_ (all 64-byte aligned); "unit" buffers are sized for 16 lanes
  float* win_;       // [N]
  float* bgf_;       // [N] fractional part of the background
  int32_t* bgi_;     // [N] integer part of the background
  uint32_t* colSum_; // [N]
  float* twr_;       // [N/2+1] cos(2 pi k / N), post-processing twiddles of the real FFT
  float* twi_;       // [N/2+1] -sin(2 pi k / N)
  float* fwr_;       // [N/4] twiddles of the half-size complex FFT
  float* fwi_;       // [N/4]
  int32_t* rev_;     // [N/2] bit reversal (log2(N/2) bits)
  float* xb_;        // [kGroup*N*8] S1 output of the group's blocks (units of W_ lanes)
  float* re_;        // [N/2*16] FFT work; after S3 (with S4) the packed input of S4's inverse FFT
  float* im_;        // [N/2*16]
  float* lmb_;       // [K*16] logmag of the unit
  float* envb_;      // [N*16]
  float* yb_;        // [kGroup*N*8] S5 output (units of W_ lanes)
  float* rb_;        // [kGroup*(N+taps+1)*8] NLMS reference, taps leading and 1 trailing zero rows per unit
  long rbStride_ = 0;
  float* eb_;        // [kGroup*N*8]
  float* wts_;       // [kGroup*taps*8] NLMS weights
  float* lmFull_;    // [L*K] row-major logmag of the frame (S7 input, general case) when out.logmag is null
  float* pairFull_;  // [L*outSamples] per-line sums of S7's bin pairs (S7 input when bins go in pairs)
  float* pb_;        // [outSamples*16] unit block of those sums
  bool pairs_ = false;
  FrontTables ft_{};
  std::vector<float> sosf_;  // per section b0 b1 b2 a1 a2 (float)
  std::vector<int> lineStart_;
  std::vector<float> lineInv_;
  std::vector<int> sampleEdge_;  // S7 sample block edges, relative to sampleStart
  double stageAcc_[kStageCount] = {};

 public:
  /** "avx512" when S2..S6 run 16 lines per vector, else "avx2". */
  const char* isa() const { return use512_ ? "avx512" : "avx2"; }
};


}  // namespace specula
