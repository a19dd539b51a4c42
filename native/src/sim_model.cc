#include "sim_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace specula {

namespace {

constexpr uint32_t kNoise = 65536;
constexpr uint32_t kHumPeriod = 25;  // 0.04 and 0.12 cycles/sample both repeat every 25 samples
constexpr double kPi = 3.14159265358979323846;

/** Uniform [0, 1) from a splitmix64 stream. */
struct Rng {
  uint64_t s;
  double Uniform() {
    s = Mix64(s);
    return static_cast<double>(s >> 11) * (1.0 / 9007199254740992.0);
  }
  double Range(double a, double b) { return a + (b - a) * Uniform(); }
  double Gauss() {
    double u1 = Uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * Uniform());
  }
};

// The per-sample loops, 8 samples per SSE2 instruction (baseline x86-64; -O2 does not vectorise
// them by itself). All sums stay inside int16 (scene <= 30000, hum <= 430, noise <= ~200), so
// wrapping adds are exact; negative primaries clip to 0 like gen_input.py's clip().
void RenderPrimaryLine(const int16_t* s, const int16_t* h1, const int16_t* h2, const int16_t* nz, uint16_t* o, uint32_t N) {
  uint32_t n = 0;
#ifdef __SSE2__
  const __m128i zero = _mm_setzero_si128();
  for (; n + 8 <= N; n += 8) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + n));
    v = _mm_add_epi16(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(h1 + n)));
    v = _mm_add_epi16(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(h2 + n)));
    v = _mm_add_epi16(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(nz + n)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o + n), _mm_max_epi16(v, zero));
  }
#endif
  for (; n < N; ++n) {
    const int32_t v = static_cast<int32_t>(s[n]) + h1[n] + h2[n] + nz[n];
    o[n] = static_cast<uint16_t>(v < 0 ? 0 : v);
  }
}

// 32768 + hum + noise stays inside [0, 65535]: modular u16 arithmetic is exact.
void RenderReferenceLine(const int16_t* h1, const int16_t* h2, const int16_t* nz, uint16_t* o, uint32_t N) {
  uint32_t n = 0;
#ifdef __SSE2__
  const __m128i bias = _mm_set1_epi16(static_cast<int16_t>(-32768));
  for (; n + 8 <= N; n += 8) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h1 + n));
    v = _mm_add_epi16(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(h2 + n)));
    v = _mm_add_epi16(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(nz + n)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o + n), _mm_add_epi16(v, bias));
  }
#endif
  for (; n < N; ++n) o[n] = static_cast<uint16_t>(32768u + static_cast<uint16_t>(h1[n] + h2[n] + nz[n]));
}

int16_t Clamp16(double v) {
  v = std::min(32767.0, std::max(-32768.0, v));
  return static_cast<int16_t>(v >= 0 ? v + 0.5 : v - 0.5);  // round half away from zero, no libm call
}

}  // namespace

SimModel::SimModel(uint32_t lines, uint32_t samples, uint64_t seed) : L_(lines), N_(samples), seed_(seed) {
  const uint32_t H = N_ + kHumPeriod;
  hum1_p_.resize(H);
  hum2_p_.resize(H);
  hum1_r_.resize(H);
  hum2_r_.resize(H);
  for (uint32_t k = 0; k < H; ++k) {
    hum1_p_[k] = Clamp16(320.0 * std::sin(2 * kPi * 0.04 * k + 0.7));
    hum2_p_[k] = Clamp16(110.0 * std::sin(2 * kPi * 0.12 * k - 1.9));
    hum1_r_[k] = Clamp16(6000.0 * std::sin(2 * kPi * 0.04 * k));
    hum2_r_[k] = Clamp16(2500.0 * std::sin(2 * kPi * 0.12 * k));
  }
  Rng rng{Mix64(seed ^ 0x6e6f697365ull)};
  noise_p_.resize(kNoise + N_);
  noise_r_.resize(kNoise + N_);
  for (uint32_t k = 0; k < kNoise + N_; ++k) {
    const double g = rng.Gauss();
    noise_p_[k] = Clamp16(25.0 * g);
    noise_r_[k] = Clamp16(40.0 * g);
  }
}

void SimModel::AddChannel(uint32_t channel) {
  const uint32_t k = channel % kScenes;
  if (scenes_.size() <= k) scenes_.resize(k + 1);
  if (scenes_[k].empty()) BuildScene(k);
  views_.push_back(View{channel, k, static_cast<uint32_t>((channel / kScenes) * 151u % L_)});
}

void SimModel::BuildScene(uint32_t index) {
  // Source spectrum, scaled to the sample count (exactly gen_input.py's for N = 1024).
  const double centre = 530.0 * N_ / 1024.0, width = 260.0 * N_ / 1024.0;
  std::vector<double> src(N_);
  double src_max = 0;
  for (uint32_t n = 0; n < N_; ++n) {
    src[n] = 18000.0 * std::exp(-0.5 * std::pow((n - centre) / width, 2)) + 3000.0;
    src_max = std::max(src_max, src[n]);
  }
  std::vector<float> env(N_);  // fringes ride on the source envelope: sig *= src / max(src)
  for (uint32_t n = 0; n < N_; ++n) env[n] = static_cast<float>(src[n] / src_max);
  Rng rng{Mix64(seed_ ^ (0x7363656e65ull + index * 0x100000001b3ull))};
  struct Layer { double f0, drift, drift_cycles, amp, amp_cycles, amp_phase; };
  Layer layers[5];
  for (auto& ly : layers) {
    ly.f0 = rng.Range(0.03, 0.42);
    ly.drift = rng.Range(-0.02, 0.02);
    // Whole cycles along the lines: the scene scrolls and wraps around (3 lines per frame), and a
    // non-periodic scene would show a seam at the wrap that looks like a torn frame on screen.
    ly.drift_cycles = std::max(1.0, std::round(rng.Range(0.5, 2.0)));
    ly.amp = rng.Range(200, 1800);
    ly.amp_cycles = std::max(1.0, std::round(rng.Range(0.5, 3.0)));
    ly.amp_phase = rng.Range(0, 6.28);
  }
  // A cosine table with a 32-bit phase accumulator: 5 layers x L x N cosines in a few ms.
  constexpr uint32_t kCosBits = 12;
  static std::vector<float> cos_table = [] {
    std::vector<float> t(1u << kCosBits);
    for (uint32_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(std::cos(2 * kPi * i / t.size()));
    return t;
  }();
  std::vector<int16_t> scene(static_cast<size_t>(L_) * N_);
  std::vector<float> row(N_);
  for (uint32_t l = 0; l < L_; ++l) {
    std::fill(row.begin(), row.end(), 0.0f);
    for (const auto& ly : layers) {
      const double f = ly.f0 + ly.drift * std::sin(2 * kPi * l / L_ * ly.drift_cycles);
      const double a = ly.amp * (0.6 + 0.4 * std::cos(2 * kPi * l / L_ * ly.amp_cycles + ly.amp_phase));
      const uint32_t step = static_cast<uint32_t>(f * 4294967296.0);
      uint32_t phase = static_cast<uint32_t>(rng.Uniform() * 4294967296.0);
      for (uint32_t n = 0; n < N_; ++n, phase += step) row[n] += static_cast<float>(a) * cos_table[phase >> (32 - kCosBits)];
    }
    int16_t* out = &scene[static_cast<size_t>(l) * N_];
    for (uint32_t n = 0; n < N_; ++n) out[n] = Clamp16(src[n] + row[n] * env[n]);
  }
  scenes_[index] = std::move(scene);
}

void SimModel::Render(uint32_t channel, bool reference, uint64_t seq, uint16_t* out) const {
  const int16_t* scene = nullptr;
  uint32_t row_offset = 0;
  if (!reference) {
    for (const View& v : views_) {
      if (v.channel == channel) {
        scene = scenes_[v.scene].data();
        row_offset = v.row_offset;
      }
    }
    if (!scene) throw std::logic_error("SimModel: channel has no scene");
  }
  const uint64_t frame_key = Mix64(seed_ ^ Mix64(seq));
  for (uint32_t l = 0; l < L_; ++l) {
    // Hum phases depend on (seq, line) only: the same interferer reaches every channel.
    const uint64_t hum = Mix64(frame_key + l);
    const uint32_t d1 = static_cast<uint32_t>(hum % kHumPeriod);
    const uint32_t d2 = static_cast<uint32_t>((hum >> 16) % kHumPeriod);
    const uint32_t off = static_cast<uint32_t>(Mix64(frame_key ^ (static_cast<uint64_t>(channel) << 40) ^ (l + 1)) % kNoise);
    uint16_t* o = out + static_cast<size_t>(l) * N_;
    if (reference) {
      const int16_t* h1 = hum1_r_.data() + d1;
      const int16_t* h2 = hum2_r_.data() + d2;
      const int16_t* nz = noise_r_.data() + off;
      // 32768 + hum + noise stays inside [0, 65535]: modular u16 arithmetic is exact.
      RenderReferenceLine(h1, h2, nz, o, N_);
    } else {
      const int16_t* s = scene + static_cast<size_t>((l + row_offset + seq * 3) % L_) * N_;
      const int16_t* h1 = hum1_p_.data() + d1;
      const int16_t* h2 = hum2_p_.data() + d2;
      const int16_t* nz = noise_p_.data() + off;
      RenderPrimaryLine(s, h1, h2, nz, o, N_);
    }
  }
}

}  // namespace specula
