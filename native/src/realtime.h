// Real-time priority for the threads on the acquisition path (the device / driver thread that
// publishes frames, the consumers' ring waiter threads).
//
// Why: on a shared machine the hand-off tail (p99) is the scheduler, not the ring: a waiter thread
// woken by the futex waits for a core behind whatever else runs. As SCHED_FIFO it preempts normal
// threads and copies the frame at once (measured p99 2.1 ms → 0.42 ms at 16 ch × 30 fps).
//
// Policy: by default every such thread asks for SCHED_FIFO; when that is not permitted (no
// CAP_SYS_NICE, rtprio limit 0) it stays at normal priority silently, and its state says so.
// Opt-out: the option `realtime: false` (per device / consumer) or SPECULA_REALTIME=0 in the
// environment (the whole application, workers included: they inherit it), which wins over options.
//
// Starvation guard: these threads only sleep on futexes/condition variables and copy or render one
// frame per wake-up, so they cannot spin. As a second line of defence each thread measures its own
// CPU time (CLOCK_THREAD_CPUTIME_ID) over 500 ms windows and drops itself back to normal priority for
// good when it used more than half a core (an overloaded device catching up, a driver that
// busy-polls): a real-time thread may be late, but it may never take a core away from the machine.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

namespace specula {

/** Priorities (SCHED_FIFO 1..99): the device thread above the waiter threads it wakes. */
constexpr int kDeviceRtPriority = 30;
constexpr int kWaiterRtPriority = 20;

/** True when SPECULA_REALTIME is set to 0 / off / false / no (case-insensitive). */
bool RealtimeDisabledByEnv();

/** Resolve a JS/config option: -1 = default (on), 0 = off, 1 = on; the environment opt-out wins. */
bool RealtimeWanted(int option);

enum class RtState : int {
  kPending = 0,       // the thread has not started (or not delivered a frame) yet
  kRealtime = 1,      // SCHED_FIFO applied by us
  kOffOption = 2,     // realtime: false
  kOffEnv = 3,        // SPECULA_REALTIME=0
  kNotPermitted = 4,  // pthread_setschedparam refused (errno kept)
  kDemoted = 5,       // was SCHED_FIFO, used more than the CPU limit: back to normal priority
  kForeignPolicy = 6, // the thread already had a non-default policy (a driver's own choice): left alone
  kMainThread = 7,    // the process's main (JS) thread: never promoted
};

/**
 * One thread's real-time state. `Enter` and `Check` must be called on that thread; the state can be
 * read from any thread.
 */
class RtGuard {
 public:
  /**
   * Fraction of one core above which a real-time thread demotes itself, per 500 ms window: 0.5, or
   * SPECULA_REALTIME_CPU_LIMIT (0.01..1) from the environment (read once per process).
   */
  static double CpuLimit();
  static constexpr uint64_t kWindowNs = 500000000ull;

  /** Try SCHED_FIFO `priority` on the calling thread if `want`. Idempotent after the first call. */
  void Enter(bool want, int priority);
  /** Cheap (one clock read) except once per window; demotes the thread if it used too much CPU. */
  void Check();
  RtState state() const { return static_cast<RtState>(state_.load(std::memory_order_acquire)); }
  bool realtime() const { return state() == RtState::kRealtime || state() == RtState::kForeignPolicy; }
  bool entered() const { return state() != RtState::kPending; }
  /** Human-readable state, e.g. "SCHED_FIFO 30", "normal priority: not permitted (Operation not permitted)". */
  std::string Describe() const;

 private:
  std::atomic<int> state_{0};
  std::atomic<int> priority_{0};
  std::atomic<int> err_{0};
  std::atomic<int> demoted_permille_{0};
  uint64_t window_start_ns_ = 0;
  uint64_t window_cpu_ns_ = 0;
};

/**
 * Probe whether this process may use SCHED_FIFO (a short-lived thread tries it). Returns "" when
 * permitted, else the reason.
 */
std::string RealtimeProbe();

}  // namespace specula
