// Fused SIMD kernel of the reference cascade; see ref_kernel.h for the layout and
// docs/fast-path.md for the numerical tolerances it is tested against.
#include "ref_kernel.h"

#include <immintrin.h>
#include <time.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "cpu.h"
#include "front.h"
#include "ref_kernel_avx512.h"
#include "simd8.h"

namespace specula {

static inline double nowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

void RefKernel::Free::operator()(float* q) const { std::free(q); }

static void check(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

RefKernel::RefKernel(const RefParams& p)
    : p_(p), L_(p.lines), N_(p.samples), K_(p.samples / 2 + 1), nsec_(0) {
  check(p.samples >= 16 && p.samples <= 65536 && (p.samples & (p.samples - 1)) == 0,
        "samples must be a power of two in [16, 65536], got " + std::to_string(p.samples));
  check(L_ >= 1 && L_ <= 1 << 20, "lines must be in [1, 1048576], got " + std::to_string(L_));
  check(p.sosfilt || !p.nlms, "nlms (S6) needs the sosfilt stage (S5): its input is S5's output");
  if (p.sosfilt) {
    check(p.sos.size() % 6 == 0 && !p.sos.empty() && p.sos.size() / 6 <= 8,
          "sos must hold 1..8 sections of 6 coefficients");
    nsec_ = static_cast<int>(p.sos.size() / 6);
    for (int s = 0; s < nsec_; ++s) {
      const double* c = &p.sos[s * 6];
      check(c[3] == 1.0, "sos section " + std::to_string(s) + " must have a0 == 1");
      for (int i = 0; i < 6; ++i) check(std::isfinite(c[i]), "sos coefficients must be finite");
      for (int i : {0, 1, 2, 4, 5}) sosf_.push_back(static_cast<float>(c[i]));
    }
  }
  if (p.nlms) {
    check(p.taps >= 1 && p.taps <= 64, "taps must be in [1, 64], got " + std::to_string(p.taps));
    check(std::isfinite(p.mu) && std::isfinite(p.eps) && p.eps > 0, "mu must be finite and eps > 0");
  }
  check(std::isfinite(p.floor) && p.floor > 0, "floor must be > 0");
  check(std::isfinite(p.loDb) && std::isfinite(p.hiDb) && p.hiDb > p.loDb, "hi_db must be > lo_db");
  check(p.outLines >= 1 && p.outLines <= L_, "out_lines must be in [1, lines]");
  if (p_.sampleEnd < 0) p_.sampleEnd = K_;
  check(p_.sampleStart >= 0 && p_.sampleStart < p_.sampleEnd && p_.sampleEnd <= K_,
        "S7 sample range must satisfy 0 <= sampleStart < sampleEnd <= samples/2+1");
  check(p.outSamples >= 1 && p.outSamples <= p_.sampleEnd - p_.sampleStart, "out_samples must be in [1, sampleEnd - sampleStart]");
  check(std::isfinite(p.db) && p.db != 0, "db must be finite and non-zero");

  const long N = N_, K = K_, Nc = N_ / 2, M = p.nlms ? p.taps : 0;
  const char* isa = std::getenv("SPECULA_CASCADE_ISA");  // "avx2" forces the AVX2 kernels (tests)
  use512_ = cpuHasAvx512() && !(isa && std::string(isa) == "avx2");
  W_ = use512_ ? 16 : 8;
  // one aligned arena; sizes rounded to 16 floats (64 bytes)
  auto r16 = [](long n) { return (n + 15) & ~15L; };
  const long G8 = kGroup * 8;
  const long G5 = p.sosfilt ? G8 : 0, G6 = p.nlms ? G8 : 0;  // switched-off stages get no buffers
  const long sizes[] = {N, N, N, N, Nc + 1, Nc + 1, Nc / 2, Nc / 2, Nc,
                        N * G8, Nc * 16, Nc * 16, K * 16, N * 16,
                        N * G5, (N + M + 1) * G6, N * G6, M * G6,
                        L_ * K, static_cast<long>(L_) * p.outSamples, static_cast<long>(p.outSamples) * 16};
  long total = 0;
  for (long s : sizes) total += r16(s);
  float* base = static_cast<float*>(std::aligned_alloc(64, total * sizeof(float)));
  if (!base) throw std::bad_alloc();
  std::memset(base, 0, total * sizeof(float));
  mem_.reset(base);
  float* cur = base;
  float** views[] = {&win_, &bgf_, reinterpret_cast<float**>(&bgi_), reinterpret_cast<float**>(&colSum_), &twr_, &twi_,
                     &fwr_, &fwi_, reinterpret_cast<float**>(&rev_),
                     &xb_, &re_, &im_, &lmb_, &envb_,
                     &yb_, &rb_, &eb_, &wts_,
                     &lmFull_, &pairFull_, &pb_};
  static_assert(sizeof(views) / sizeof(views[0]) == sizeof(sizes) / sizeof(sizes[0]), "one size per view");
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); ++i) {
    *views[i] = cur;
    cur += r16(sizes[i]);
  }
  rbStride_ = (N + M + 1) * W_;  // per unit of W_ lanes
  for (long n = 0; n < N; ++n) win_[n] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * M_PI * n / N));
  for (long k = 0; k <= Nc; ++k) {
    twr_[k] = static_cast<float>(std::cos(2.0 * M_PI * k / N));
    twi_[k] = static_cast<float>(-std::sin(2.0 * M_PI * k / N));
  }
  for (long j = 0; j < Nc / 2; ++j) {
    fwr_[j] = static_cast<float>(std::cos(2.0 * M_PI * j / Nc));
    fwi_[j] = static_cast<float>(-std::sin(2.0 * M_PI * j / Nc));
  }
  int bits = 0;
  while ((1L << bits) < Nc) ++bits;
  for (long k = 0; k < Nc; ++k) {
    int r = 0;
    for (int b = 0; b < bits; ++b) r |= static_cast<int>((k >> b) & 1) << (bits - 1 - b);
    rev_[k] = r;
  }
  ft_ = FrontTables{N_, win_, fwr_, fwi_, rev_, twr_, twi_};
  const int OL = p.outLines;
  lineStart_.resize(OL + 1);
  lineInv_.resize(OL);
  for (int j = 0; j <= OL; ++j) lineStart_[j] = static_cast<int>((static_cast<long>(j) * L_) / OL);
  for (int j = 0; j < OL; ++j) lineInv_[j] = 1.0f / static_cast<float>(lineStart_[j + 1] - lineStart_[j]);
  const int W = p_.sampleEnd - p_.sampleStart, OS = p.outSamples;
  pairs_ = W == 2 * OS;
  sampleEdge_.resize(OS + 1);
  for (int k = 0; k <= OS; ++k) sampleEdge_[k] = static_cast<int>((static_cast<long>(k) * W) / OS);
}

// ---- S1: x = raw - bg, transposed into rows of W_ floats at dst (lanes 0..7 of dst); the integer
// part of bg is subtracted in int32 (exact), the fractional part in float, so x carries only its own
// rounding (<= ulp(x)/2).
void RefKernel::blockS1(const uint16_t* raw, int l0, int nl, float* xDump, float* dst) {
  const int N = N_, W = W_;
  const uint16_t* rows[8];
  for (int lane = 0; lane < 8; ++lane) rows[lane] = raw + static_cast<long>(l0 + (lane < nl ? lane : 0)) * N;
  for (int n0 = 0; n0 < N; n0 += 8) {
    const __m256i bi = _mm256_load_si256(reinterpret_cast<const __m256i*>(bgi_ + n0));
    const __m256 bf = _mm256_load_ps(bgf_ + n0);
    __m256 r[8];
    for (int lane = 0; lane < 8; ++lane) {
      const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[lane] + n0)));
      r[lane] = _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, bi)), bf);
    }
    if (xDump)
      for (int lane = 0; lane < nl; ++lane) _mm256_storeu_ps(xDump + static_cast<long>(l0 + lane) * N + n0, r[lane]);
    transpose8(r);
    for (int j = 0; j < 8; ++j) _mm256_store_ps(dst + (n0 + j) * W, r[j]);
  }
}

// ---- S2..S4 for one unit (W_ lines = nbu blocks of 8, starting at line lu), on the unit's S1 data.
void RefKernel::unitS2S4(int lu, int nbu, const RefOutputs& out, bool forS7) {
  const int N = N_, K = K_, W = W_;
  const float* xb = xb_ + static_cast<long>((lu % (8 * kGroup)) / W) * N * W;
  auto nlOf = [&](int h) { return L_ - (lu + 8 * h) < 8 ? L_ - (lu + 8 * h) : 8; };
  const float floor2 = static_cast<float>(p_.floor * p_.floor);
  const float dbs = static_cast<float>(p_.db / 20.0);  // tenLog10(|X|^2) * db/20
  double t0 = nowMs();
  if (use512_) avx512::pack(xb, ft_, re_, im_);
  else frontPack<__m256>(xb, ft_, re_, im_);
  if (out.xw) {
    if (use512_) avx512::window(xb, ft_, envb_);
    else frontWindow<__m256>(xb, ft_, envb_);
    for (int h = 0; h < nbu; ++h) storeRows(envb_ + 8 * h, N, out.xw + static_cast<long>(lu + 8 * h) * N, N, nlOf(h), W);
  }
  double t1 = nowMs();
  stageAcc_[kS2] += t1 - t0;

  // with S4 wanted, the split also packs S4's inverse FFT input into re_/im_ (see frontS3)
  const bool hil = out.env != nullptr;
  if (use512_) avx512::s3(ft_, re_, im_, lmb_, floor2, dbs, hil);
  else frontS3<__m256>(ft_, re_, im_, lmb_, floor2, dbs, hil);
  for (int h = 0; h < nbu; ++h) {
    const long lb = lu + 8 * h;
    if (out.logmag) storeRows(lmb_ + 8 * h, K, out.logmag + lb * K, K, nlOf(h), W);
    else if (forS7 && !pairs_) storeRows(lmb_ + 8 * h, K, lmFull_ + lb * K, K, nlOf(h), W);
  }
  if (forS7 && pairs_) {
    // S7's bin pairs summed here, in the interleaved layout (two rows of the block, no shuffles):
    // half the data leaves the block, and S7 only averages lines.
    const int OS = p_.outSamples;
    if (use512_) avx512::pairs(lmb_, p_.sampleStart, OS, pb_);
    else frontPairs<__m256>(lmb_, p_.sampleStart, OS, pb_);
    if (use512_) avx512::storeRows16(pb_, OS, pairFull_ + static_cast<long>(lu) * OS, OS, L_ - lu < 16 ? L_ - lu : 16);
    else for (int h = 0; h < nbu; ++h) storeRows(pb_ + 8 * h, OS, pairFull_ + static_cast<long>(lu + 8 * h) * OS, OS, nlOf(h), W);
  }
  t0 = nowMs();
  stageAcc_[kS3] += t0 - t1;  // includes packing S4's inverse-FFT input when S4 runs (frontS3)

  if (out.env) {
    if (use512_) avx512::s4(xb, ft_, re_, im_, envb_);
    else frontS4<__m256>(xb, ft_, re_, im_, envb_);
    if (use512_) avx512::storeRows16(envb_, N, out.env + static_cast<long>(lu) * N, N, L_ - lu < 16 ? L_ - lu : 16);
    else for (int h = 0; h < nbu; ++h) storeRows(envb_ + 8 * h, N, out.env + static_cast<long>(lu + 8 * h) * N, N, nlOf(h), W);
  }
  stageAcc_[kS4] += nowMs() - t0;
}

// ---- S5: cascade of biquads, transposed direct form II, zero initial state, 8 lines per vector.
template <int NS>
static void sosBlock(const float* coef, const float* x, float* y, int N) {
  __m256 b0[NS], b1[NS], b2[NS], a1[NS], a2[NS], z0[NS], z1[NS];
  for (int s = 0; s < NS; ++s) {
    b0[s] = _mm256_set1_ps(coef[s * 5 + 0]);
    b1[s] = _mm256_set1_ps(coef[s * 5 + 1]);
    b2[s] = _mm256_set1_ps(coef[s * 5 + 2]);
    a1[s] = _mm256_set1_ps(coef[s * 5 + 3]);
    a2[s] = _mm256_set1_ps(coef[s * 5 + 4]);
    z0[s] = _mm256_setzero_ps();
    z1[s] = _mm256_setzero_ps();
  }
  for (int n = 0; n < N; ++n) {
    __m256 xc = _mm256_load_ps(x + n * 8);
    for (int s = 0; s < NS; ++s) {
      const __m256 xn = _mm256_fmadd_ps(b0[s], xc, z0[s]);
      z0[s] = _mm256_fmadd_ps(b1[s], xc, _mm256_fnmadd_ps(a1[s], xn, z1[s]));
      z1[s] = _mm256_fnmadd_ps(a2[s], xn, _mm256_mul_ps(b2[s], xc));
      xc = xn;
    }
    _mm256_store_ps(y + n * 8, xc);
  }
}

// S5 over the group's nb blocks: per 8-line block on AVX2, per pair of blocks on AVX-512 (the output
// then has 16-lane rows, which S6 reads as is).
// S5 over the group's nb blocks: per 8-line block on AVX2, per 16-line unit on AVX-512.
void RefKernel::groupS5(int lg, int nb, float* yDump) {
  const float* c = sosf_.data();
  const long N = N_;
  if (use512_) {
    avx512::sos16(c, nsec_, xb_, yb_, N_, (nb + 1) / 2);
  } else {
    for (int g = 0; g < nb; ++g) {
      const float* x = xb_ + g * N * 8;
      float* y = yb_ + g * N * 8;
      switch (nsec_) {
        case 1: sosBlock<1>(c, x, y, N_); break;
        case 2: sosBlock<2>(c, x, y, N_); break;
        case 3: sosBlock<3>(c, x, y, N_); break;
        case 4: sosBlock<4>(c, x, y, N_); break;
        case 5: sosBlock<5>(c, x, y, N_); break;
        case 6: sosBlock<6>(c, x, y, N_); break;
        case 7: sosBlock<7>(c, x, y, N_); break;
        default: sosBlock<8>(c, x, y, N_); break;
      }
    }
  }
  if (yDump)
    for (int g = 0; g < nb; ++g) {
      const int lb = lg + 8 * g;
      storeRows(yb_ + slotOff(g, N), N_, yDump + lb * N, N, L_ - lb < 8 ? L_ - lb : 8, W_);
    }
}

// ---- S6: NLMS. r is integer-valued, so the window energy sum(u^2) is kept EXACTLY by a running sum
// in double (add r[n]^2, drop r[n-M]^2): no drift, same value as the direct float64 sum. The
// weights, prediction and error are float32 (error vs float64: see docs/fast-path.md).
// Each sample's update depends on the previous one through a ~40-cycle chain (dot product, error,
// update), so G blocks (8G lines) are advanced together: their chains are independent and the core
// overlaps them, which makes the loop throughput-bound (2 FMAs per tap per sample) instead.
template <int MT, int G>
static void nlmsGroup(int Mrt, const float* rb, long rbStride, const float* y, float* e, long yStride, float* w, int N,
                      float mu, double eps) {
  const int M = MT > 0 ? MT : Mrt;
  for (int i = 0; i < G * M * 8; ++i) w[i] = 0.f;
  __m256d E[G][2];
  __m256 yhat[G];  // prediction for the current sample, computed by the previous iteration (w = 0 at n = 0)
  for (int g = 0; g < G; ++g) {
    E[g][0] = E[g][1] = _mm256_setzero_pd();
    yhat[g] = _mm256_setzero_ps();
  }
  const __m256d epsv = _mm256_set1_pd(eps);
  const __m256 muv = _mm256_set1_ps(mu);
  // rb row M + n holds r[n]; rows 0..M-1 and row M+N are zero. u_k(n) = r[n-k] = row n+M-k.
  for (int n = 0; n < N; ++n) {
    __m256 step[G];
    for (int g = 0; g < G; ++g) {
      const float* rg = rb + g * rbStride;
      const __m256 rn = _mm256_load_ps(rg + (n + M) * 8), ro = _mm256_load_ps(rg + n * 8);
      const __m256d rn0 = _mm256_cvtps_pd(_mm256_castps256_ps128(rn)), rn1 = _mm256_cvtps_pd(_mm256_extractf128_ps(rn, 1));
      const __m256d ro0 = _mm256_cvtps_pd(_mm256_castps256_ps128(ro)), ro1 = _mm256_cvtps_pd(_mm256_extractf128_ps(ro, 1));
      E[g][0] = _mm256_fnmadd_pd(ro0, ro0, _mm256_fmadd_pd(rn0, rn0, E[g][0]));
      E[g][1] = _mm256_fnmadd_pd(ro1, ro1, _mm256_fmadd_pd(rn1, rn1, E[g][1]));
      const __m256 den = _mm256_set_m128(_mm256_cvtpd_ps(_mm256_add_pd(E[g][1], epsv)), _mm256_cvtpd_ps(_mm256_add_pd(E[g][0], epsv)));
      step[g] = _mm256_div_ps(muv, den);
    }
    // error and update for sample n, fused with the prediction for n+1: tap k's reference value
    // r[n-k] is u_k(n) for the update and u_{k+1}(n+1) for the next prediction, so each tap costs
    // one load of w, one load of r, one store of w and two FMAs.
    for (int g = 0; g < G; ++g) {
      const float* row = rb + g * rbStride + (n + M) * 8;  // r[n]
      float* wg = w + g * M * 8;
      const __m256 en = _mm256_sub_ps(_mm256_load_ps(y + g * yStride + n * 8), yhat[g]);
      _mm256_store_ps(e + g * yStride + n * 8, en);
      const __m256 gain = _mm256_mul_ps(en, step[g]);
      __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
      __m256 next = _mm256_load_ps(row + 8);  // r[n+1] = u_0(n+1)
      for (int k = 0; k < M; ++k) {
        const __m256 uk = _mm256_load_ps(row - 8 * k);  // r[n-k]
        const __m256 wk = _mm256_fmadd_ps(gain, uk, _mm256_load_ps(wg + 8 * k));
        _mm256_store_ps(wg + 8 * k, wk);
        acc[k & 3] = _mm256_fmadd_ps(wk, next, acc[k & 3]);  // w_k(n+1) * u_k(n+1)
        next = uk;
      }
      yhat[g] = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    }
  }
}

// Reference channel of block g into its rb slot (rows M.. of the slot; rows 0..M-1 stay zero).
void RefKernel::loadRef(const uint16_t* ref, int l0, int nl, int g) {
  const int N = N_, M = p_.taps;
  const uint16_t* rows[8];
  for (int lane = 0; lane < 8; ++lane) rows[lane] = ref + static_cast<long>(l0 + (lane < nl ? lane : 0)) * N;
  float* rdat = rb_ + slotOff(g, N + M + 1) + M * W_;
  const __m256 offv = _mm256_set1_ps(static_cast<float>(p_.refOffset));
  for (int n0 = 0; n0 < N; n0 += 8) {
    __m256 r[8];
    for (int lane = 0; lane < 8; ++lane)
      r[lane] = _mm256_sub_ps(
          _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[lane] + n0)))), offv);
    transpose8(r);
    for (int j = 0; j < 8; ++j) _mm256_store_ps(rdat + (n0 + j) * W_, r[j]);
  }
}

// NLMS over the group's nb blocks (slots nb..kGroup-1 hold stale data and are computed but ignored).
void RefKernel::groupS6(int l0, int nb, float* e) {
  const int N = N_, M = p_.taps;
  const float mu = static_cast<float>(p_.mu);
  const long ys = static_cast<long>(N) * W_;
  if (use512_) {
    static_assert(kGroup % 2 == 0, "AVX-512 units are pairs of blocks");
    avx512::nlms16(M, rb_, rbStride_, yb_, eb_, ys, wts_, N, mu, p_.eps, kGroup / 2);
  } else if (M == 16) {
    nlmsGroup<16, kGroup>(M, rb_, rbStride_, yb_, eb_, ys, wts_, N, mu, p_.eps);
  } else {
    nlmsGroup<0, kGroup>(M, rb_, rbStride_, yb_, eb_, ys, wts_, N, mu, p_.eps);
  }
  if (use512_) {
    for (int u = 0; 2 * u < nb; ++u) {
      const int lb = l0 + 16 * u;
      avx512::storeRows16(eb_ + static_cast<long>(u) * N * 16, N, e + static_cast<long>(lb) * N, N, L_ - lb < 16 ? L_ - lb : 16);
    }
    return;
  }
  for (int g = 0; g < nb; ++g) {
    const int lb = l0 + 8 * g;
    const int nl = L_ - lb < 8 ? L_ - lb : 8;
    storeRows(eb_ + slotOff(g, N), N, e + static_cast<long>(lb) * N, N, nl, W_);
  }
}

// ---- S7: variable block mean over lines, then over bins, window/level to uint8.
// The common case (bins in pairs, as in the reference) is vectorised; other block sizes take the
// scalar path. u8 = clip(floor((dec - lo) * scale + 0.5), 0, 255), NaN -> 0 as on the TS path.
void RefKernel::stageS7(const float* lm, float* dec, uint8_t* u8) {
  const int OL = p_.outLines, OS = p_.outSamples, K = K_, c0 = p_.sampleStart;
  const float lo = static_cast<float>(p_.loDb);
  const float scale = static_cast<float>(255.0 / (p_.hiDb - p_.loDb));
  const __m256 lov = _mm256_set1_ps(lo), scv = _mm256_set1_ps(scale), halfv = _mm256_set1_ps(0.5f);
  const __m256 zero = _mm256_setzero_ps(), top = _mm256_set1_ps(255.f);
  for (int j = 0; j < OL; ++j) {
    const int a = lineStart_[j], b = lineStart_[j + 1];
    const float inv = lineInv_[j];
    float* drow = dec ? dec + static_cast<long>(j) * OS : nullptr;
    uint8_t* urow = u8 ? u8 + static_cast<long>(j) * OS : nullptr;
    int k = 0;
    if (pairs_) {  // from the per-line bin-pair sums of blockS2S3
      const __m256 sc = _mm256_set1_ps(0.5f * inv);
      for (; k + 8 <= OS; k += 8) {
        const float* r = pairFull_ + static_cast<long>(a) * OS + k;
        __m256 v = _mm256_loadu_ps(r);
        for (int l = a + 1; l < b; ++l) v = _mm256_add_ps(v, _mm256_loadu_ps(r += OS));
        const __m256 d = _mm256_mul_ps(v, sc);
        if (drow) _mm256_storeu_ps(drow + k, d);
        if (urow) {
          __m256 q = _mm256_floor_ps(_mm256_fmadd_ps(_mm256_sub_ps(d, lov), scv, halfv));
          q = _mm256_min_ps(_mm256_max_ps(q, zero), top);  // max first: NaN -> 0
          const __m256i qi = _mm256_cvtps_epi32(q);
          const __m128i w16 = _mm_packus_epi32(_mm256_castsi256_si128(qi), _mm256_extracti128_si256(qi, 1));
          _mm_storel_epi64(reinterpret_cast<__m128i*>(urow + k), _mm_packus_epi16(w16, w16));
        }
      }
      for (; k < OS; ++k) {
        float v = 0.f;
        for (int l = a; l < b; ++l) v += pairFull_[static_cast<long>(l) * OS + k];
        v *= 0.5f * inv;
        if (drow) drow[k] = v;
        if (urow) {
          float q = std::floor((v - lo) * scale + 0.5f);
          q = q >= 0.f ? (q > 255.f ? 255.f : q) : 0.f;  // NaN -> 0
          urow[k] = static_cast<uint8_t>(q);
        }
      }
      continue;
    }
    for (; k < OS; ++k) {
      const int s0 = sampleEdge_[k], s1 = sampleEdge_[k + 1];
      float acc = 0.f;
      for (int i = s0; i < s1; ++i) {
        float col = 0.f;
        for (int l = a; l < b; ++l) col += lm[static_cast<long>(l) * K + c0 + i];
        acc += col * inv;
      }
      const float v = acc / static_cast<float>(s1 - s0);
      if (drow) drow[k] = v;
      if (urow) {
        float q = std::floor((v - lo) * scale + 0.5f);
        q = q >= 0.f ? (q > 255.f ? 255.f : q) : 0.f;  // NaN -> 0
        urow[k] = static_cast<uint8_t>(q);
      }
    }
  }
}

void RefKernel::run(const uint16_t* raw, const uint16_t* ref, const RefOutputs& outAsked, double* stageMs) {
  const int L = L_, N = N_;
  // outputs of switched-off stages are never written (the binding refuses to bind them anyway)
  RefOutputs out = outAsked;
  if (!p_.hilbert) out.env = nullptr;
  if (!p_.sosfilt) out.y = nullptr;
  if (!p_.nlms || !ref) out.e = nullptr;
  for (int i = 0; i < kStageCount; ++i) stageAcc_[i] = 0.0;
  double t = nowMs();
  // background: exact integer column sums, then split bg into integer and fractional parts
  if (use512_) {
    avx512::columnSums(raw, L, N, colSum_);
  } else {
    std::memset(colSum_, 0, sizeof(uint32_t) * N);
    for (int l = 0; l < L; ++l) {
      const uint16_t* row = raw + static_cast<long>(l) * N;
      for (int n = 0; n < N; ++n) colSum_[n] += row[n];
    }
  }
  for (int n = 0; n < N; ++n) {
    const double bg = static_cast<double>(colSum_[n]) / L;
    const double fl = std::floor(bg);
    bgi_[n] = static_cast<int32_t>(fl);
    bgf_[n] = static_cast<float>(bg - fl);
  }
  stageAcc_[kS1] += nowMs() - t;

  const bool wantSpec = out.logmag || out.dec || out.u8 || out.env || out.xw;
  const bool wantS7 = out.dec || out.u8;
  const bool wantY = out.y || out.e;
  const int U = W_ / 8;  // blocks per unit
  for (int lg = 0; lg < L; lg += 8 * kGroup) {
    const int nb = (L - lg + 7) / 8 < kGroup ? (L - lg + 7) / 8 : kGroup;
    for (int u = 0; u * U < nb; ++u) {
      const int nbu = nb - u * U < U ? nb - u * U : U;
      const int lu = lg + 8 * U * u;
      t = nowMs();
      if (use512_) {
        avx512::loadRows16(raw + static_cast<long>(lu) * N, N, L - lu < 16 ? L - lu : 16, N, bgi_, bgf_, 0.f,
                           xb_ + slotOff(u * U, N), out.x ? out.x + static_cast<long>(lu) * N : nullptr);
      } else {
        for (int h = 0; h < nbu; ++h) {
          const int l0 = lu + 8 * h;
          blockS1(raw, l0, L - l0 < 8 ? L - l0 : 8, out.x, xb_ + slotOff(u * U + h, N));
        }
      }
      stageAcc_[kS1] += nowMs() - t;
      if (wantSpec) unitS2S4(lu, nbu, out, wantS7);  // times S2, S3 and S4 itself
    }
    t = nowMs();
    if (wantY) groupS5(lg, nb, out.y);
    double t1 = nowMs();
    stageAcc_[kS5] += t1 - t;
    if (out.e) {
      if (use512_) {
        for (int u = 0; 2 * u < nb; ++u) {
          const int l0 = lg + 16 * u;
          avx512::loadRows16(ref + static_cast<long>(l0) * N, N, L - l0 < 16 ? L - l0 : 16, N, nullptr, nullptr,
                             static_cast<float>(p_.refOffset), rb_ + slotOff(2 * u, N + p_.taps + 1) + p_.taps * W_, nullptr);
        }
      } else {
        for (int g = 0; g < nb; ++g) {
          const int l0 = lg + 8 * g;
          loadRef(ref, l0, L - l0 < 8 ? L - l0 : 8, g);
        }
      }
      groupS6(lg, nb, out.e);
    }
    stageAcc_[kS6] += nowMs() - t1;
  }
  t = nowMs();
  if (out.dec || out.u8) stageS7(out.logmag ? out.logmag : lmFull_, out.dec, out.u8);
  stageAcc_[kS7] += nowMs() - t;
  for (int i = 0; i < kStageCount; ++i) stageMs[i] = stageAcc_[i];
}

}  // namespace specula
