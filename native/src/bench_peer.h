// Benchmark peer: the copy-in / copy-out ceiling the ring's lossless throughput is compared with
// (see bench_peer.cc). Used by bench/ring.bench.mjs only.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace specula {

struct PipelinePeerResult {
  uint64_t frames = 0;
  double seconds = 0;
  double gbyte_per_sec = 0;
};

/** Two threads, `slots` slots, frames of `frame_bytes`, for about `seconds`. */
PipelinePeerResult CopyPipelinePeer(size_t frame_bytes, uint32_t slots, double seconds);

}  // namespace specula

namespace specula {

/**
 * Zero-copy lossless producer for the benchmark: creates ring `name` (lossless, `slots` slots,
 * lines × samples u16), then for about `seconds` writes each frame's payload in place in the slot
 * (Begin, a store-only fill whose 64-bit words encode the sequence, Commit) — what a driver that
 * DMAs into the slot costs the ring, with the CPU standing in for the DMA engine. Returns frames published.
 */
uint64_t FillPublishLossless(const std::string& name, uint32_t lines, uint32_t samples, uint32_t slots, double seconds);

}  // namespace specula
