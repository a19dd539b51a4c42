// CLOCK_MONOTONIC in nanoseconds: the one clock of every frame timestamp (acquired, ring write,
// copied). Node's process.hrtime uses the same clock on Linux, so JS and native stamps compare.
#pragma once
#include <pthread.h>
#include <sched.h>

#include <cstdint>
#include <ctime>

namespace specula {

inline uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

/**
 * Best effort: move the calling thread to SCHED_FIFO `priority` (needs CAP_SYS_NICE or an rtprio
 * limit). Used, on request, for the threads on the hand-off path (device thread, consumer waiter
 * threads) so a busy machine cannot delay a wake-up. They only ever block or copy one frame, so
 * they cannot monopolise a core. Returns whether it applied.
 */
inline bool TryRealtime(int priority) {
  sched_param sp{};
  sp.sched_priority = priority;
  return pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
}

}  // namespace specula
