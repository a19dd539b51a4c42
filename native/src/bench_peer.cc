// Benchmark peer for `npm run bench:ring` (lossless throughput): the ceiling of a copy-in / copy-out
// transfer on this machine, measured in the same run as the ring. Two native threads move 1.2 MB
// frames through K page-aligned slots of a shared anonymous mapping exactly as the ring's two sides
// do (producer memcpy source → slot, consumer memcpy slot → its own buffer) but with nothing else:
// no seqlock, futex, N-API or JS, hand-off by spinning on two atomics. ring ÷ peer is then the
// ring's own efficiency, independent of how fast this machine's memory is today.
#include <immintrin.h>
#include <sched.h>
#include <sys/mman.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "bench_peer.h"
#include "clock.h"
#include "ring.h"

namespace specula {

namespace {

void SpinUntil(const std::atomic<uint64_t>& v, uint64_t want, const std::atomic<bool>& stop) {
  for (uint32_t spins = 0; v.load(std::memory_order_acquire) < want; ++spins) {
    if (stop.load(std::memory_order_relaxed)) return;
    if ((spins & 255) == 255) sched_yield();  // a loaded machine: let the peer run
    else _mm_pause();
  }
}

}  // namespace

PipelinePeerResult CopyPipelinePeer(size_t frame_bytes, uint32_t slots, double seconds) {
  const size_t stride = (frame_bytes + 64 + 4095) / 4096 * 4096;
  const size_t total = stride * slots + 2 * frame_bytes;
  void* p = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) return {};
  auto* base = static_cast<uint8_t*>(p);
  uint8_t* src = base + stride * slots;
  uint8_t* dst = src + frame_bytes;
  std::memset(base, 1, total);
  std::atomic<uint64_t> published{0}, acked{0};
  std::atomic<bool> stop{false};
  uint64_t consumed = 0;
  const uint64_t t0 = MonotonicNs();
  std::thread producer([&] {
    for (uint64_t s = 1; !stop.load(std::memory_order_relaxed); ++s) {
      if (s > slots) SpinUntil(acked, s - slots, stop);
      if (stop.load(std::memory_order_relaxed)) break;
      std::memcpy(base + (s % slots) * stride + 64, src, frame_bytes);
      published.store(s, std::memory_order_release);
    }
  });
  std::thread consumer([&] {
    const uint64_t end = t0 + static_cast<uint64_t>(seconds * 1e9);
    for (uint64_t s = 1;; ++s) {
      SpinUntil(published, s, stop);
      std::memcpy(dst, base + (s % slots) * stride + 64, frame_bytes);
      acked.store(s, std::memory_order_release);
      consumed = s;
      if (MonotonicNs() >= end) break;
    }
    stop.store(true);
  });
  consumer.join();
  producer.join();
  const double secs = (MonotonicNs() - t0) / 1e9;
  munmap(p, total);
  PipelinePeerResult r;
  r.frames = consumed;
  r.seconds = secs;
  r.gbyte_per_sec = consumed * static_cast<double>(frame_bytes) / secs / 1e9;
  return r;
}

uint64_t FillPublishLossless(const std::string& name, uint32_t lines, uint32_t samples, uint32_t slots, double seconds) {
  RingSpec spec;
  spec.name = name;
  spec.lines = lines;
  spec.samples = samples;
  spec.dtype = 2;
  spec.slots = slots;
  RingWriter w(spec);
  w.SetLossless(true, 2000000000ull);
  const size_t words = w.payload_bytes() / 8;
  const uint64_t end = MonotonicNs() + static_cast<uint64_t>(seconds * 1e9);
  uint64_t seq = 0;
  while (MonotonicNs() < end) {
    auto* dst = reinterpret_cast<uint64_t*>(w.Begin(0));
    const uint64_t v = (w.last_seq() + 1) * 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < words; ++i) dst[i] = v + i;  // store-only, like a DMA engine's writes
    seq = w.Commit(MonotonicNs(), 0);
  }
  w.Close(true);
  return seq;
}

}  // namespace specula
