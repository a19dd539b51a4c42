// Synthetic optical data of the simulated device, following the input model of
// reference-cascade.md (gen_input.py): per line a Gaussian source spectrum, 5 reflecting-layer
// fringes riding on it (depth drifting and amplitude varying along lines, random phase per line),
// a mains-hum interferer (0.04 and 0.12 cycles/sample, 320 / 110 counts, random phase per line)
// plus Gaussian noise (sigma 25); the reference channel carries 32768 + the same hum, stronger
// (6000 / 2500 counts) with coupling phase offsets 0.7 / -1.9 rad, plus noise (sigma 40).
//
// Cost: everything expensive is precomputed from the seed at open (per channel a "scene" of
// `lines` rows of source + fringes, noise tables, hum tables). A frame then costs one pass of four
// int16 table adds per sample (~0.1 ms for 600x1024), cheap enough for 16 channels x 30 fps on a
// shared 2-core machine. Frame content is a pure function of (seed, geometry, channel, seq):
//   - scene rows scroll by 3 rows per frame (slow lateral drift of the layers over time); channels
//     share 4 scenes, each channel from its own line offset,
//   - hum phases per (seq, line) are common to all channels (one mains interferer),
//   - noise comes from a 64 Ki-sample table at a per-(channel, seq, line) offset.
// Hum phases are quantised to 25 steps (both hum frequencies repeat every 25 samples).
#pragma once
#include <cstdint>
#include <vector>

namespace specula {

class SimModel {
 public:
  SimModel(uint32_t lines, uint32_t samples, uint64_t seed);
  /**
   * Register an optical channel. Channel c views scene c % kScenes (5 layers drawn from the seed and
   * the scene index, built on first use) from its own line offset, so a 16-channel device builds 4
   * scenes, not 16 (device creation stays well under a second on a loaded 2-core machine).
   */
  void AddChannel(uint32_t channel);
  static constexpr uint32_t kScenes = 4;
  /** Write frame `seq` of `channel` (u16, lines*samples) into `out`. Reference when `reference`. */
  void Render(uint32_t channel, bool reference, uint64_t seq, uint16_t* out) const;

 private:
  uint32_t L_, N_;
  uint64_t seed_;
  std::vector<int16_t> hum1_p_, hum2_p_, hum1_r_, hum2_r_;  // N + 25 entries each
  std::vector<int16_t> noise_p_, noise_r_;                  // kNoise + N entries
  void BuildScene(uint32_t index);
  struct View {
    uint32_t channel, scene, row_offset;
  };
  std::vector<View> views_;
  std::vector<std::vector<int16_t>> scenes_;                // kScenes slots of L x N, built on demand
};

/** splitmix64: the device's deterministic hash/RNG step. */
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace specula
