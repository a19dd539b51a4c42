// CLOCK_MONOTONIC in nanoseconds: the one clock of every frame timestamp (acquired, ring write,
// copied). Node's process.hrtime uses the same clock on Linux, so JS and native stamps compare.
#pragma once
#include <cstdint>
#include <ctime>

namespace specula {

inline uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}


}  // namespace specula
