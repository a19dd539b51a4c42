// Real-time priority policy and starvation guard (see realtime.h).
#include "realtime.h"

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <thread>

#include "clock.h"

namespace specula {

namespace {

uint64_t ThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

bool IsMainThread() { return static_cast<pid_t>(syscall(SYS_gettid)) == getpid(); }

}  // namespace

bool RealtimeDisabledByEnv() {
  const char* v = std::getenv("SPECULA_REALTIME");
  if (!v) return false;
  std::string s;
  for (const char* p = v; *p; ++p) s += static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
  return s == "0" || s == "off" || s == "false" || s == "no";
}

bool RealtimeWanted(int option) { return option != 0 && !RealtimeDisabledByEnv(); }

double RtGuard::CpuLimit() {
  static const double limit = [] {
    const char* v = std::getenv("SPECULA_REALTIME_CPU_LIMIT");
    if (!v) return 0.5;
    char* end = nullptr;
    const double x = std::strtod(v, &end);
    return end != v && x >= 0.01 && x <= 1.0 ? x : 0.5;
  }();
  return limit;
}

void RtGuard::Enter(bool want, int priority) {
  if (entered()) return;
  window_start_ns_ = MonotonicNs();
  window_cpu_ns_ = ThreadCpuNs();
  priority_.store(priority);
  RtState s;
  if (!want) {
    s = RealtimeDisabledByEnv() ? RtState::kOffEnv : RtState::kOffOption;
  } else if (IsMainThread()) {
    s = RtState::kMainThread;  // a driver emitting from the JS thread: never make JS real-time
  } else {
    int policy = SCHED_OTHER;
    sched_param cur{};
    pthread_getschedparam(pthread_self(), &policy, &cur);
    if (policy == SCHED_FIFO || policy == SCHED_RR) {
      priority_.store(cur.sched_priority);
      s = RtState::kForeignPolicy;
    } else if (policy != SCHED_OTHER) {
      s = RtState::kForeignPolicy;  // SCHED_BATCH/IDLE chosen by someone: respect it
    } else {
      sched_param sp{};
      sp.sched_priority = priority;
      const int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
      if (rc == 0) {
        s = RtState::kRealtime;
      } else {
        err_.store(rc);
        s = RtState::kNotPermitted;
      }
    }
  }
  state_.store(static_cast<int>(s), std::memory_order_release);
}

void RtGuard::Check() {
  if (state() != RtState::kRealtime) return;  // only threads we promoted are ours to demote
  const uint64_t now = MonotonicNs();
  if (now - window_start_ns_ < kWindowNs) return;
  const uint64_t cpu = ThreadCpuNs();
  const double frac = static_cast<double>(cpu - window_cpu_ns_) / static_cast<double>(now - window_start_ns_);
  window_start_ns_ = now;
  window_cpu_ns_ = cpu;
  if (frac <= CpuLimit()) return;
  sched_param sp{};
  sp.sched_priority = 0;
  pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
  demoted_permille_.store(static_cast<int>(frac * 1000.0));
  state_.store(static_cast<int>(RtState::kDemoted), std::memory_order_release);
  std::fprintf(stderr, "[specula] real-time thread used %.0f%% of a core over %.1f s: back to normal priority\n", frac * 100.0,
               kWindowNs / 1e9);
}

std::string RtGuard::Describe() const {
  char buf[160];
  switch (state()) {
    case RtState::kPending: return "pending (thread not started)";
    case RtState::kRealtime: std::snprintf(buf, sizeof buf, "SCHED_FIFO %d", priority_.load()); return buf;
    case RtState::kOffOption: return "normal priority: realtime off (option)";
    case RtState::kOffEnv: return "normal priority: realtime off (SPECULA_REALTIME)";
    case RtState::kNotPermitted:
      std::snprintf(buf, sizeof buf, "normal priority: SCHED_FIFO not permitted (%s)", std::strerror(err_.load()));
      return buf;
    case RtState::kDemoted:
      std::snprintf(buf, sizeof buf, "normal priority: demoted from SCHED_FIFO after using %.0f%% of a core",
                    demoted_permille_.load() / 10.0);
      return buf;
    case RtState::kForeignPolicy: std::snprintf(buf, sizeof buf, "thread's own policy kept (priority %d)", priority_.load()); return buf;
    case RtState::kMainThread: return "normal priority: main thread (never promoted)";
  }
  return "unknown";
}

std::string RealtimeProbe() {
  int rc = 0;
  std::thread t([&rc] {
    sched_param sp{};
    sp.sched_priority = 1;
    rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
  });
  t.join();
  return rc == 0 ? std::string() : std::string(std::strerror(rc));
}

}  // namespace specula
