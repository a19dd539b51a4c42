// DriverHost: runs one driver (a dlopen'ed .so or the built-in simulated device) behind the C ABI
// of native/include/specula_driver.h and routes its frames into one ring per channel.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "realtime.h"
#include "ring.h"
#include "specula_driver.h"

namespace specula {

struct HostChannel {
  specula_channel_info info;
  std::string ring_name;
  std::unique_ptr<RingWriter> ring;
  std::atomic<uint64_t> published{0};
  std::atomic<uint64_t> rejected{0};
};

class DriverHost {
 public:
  /**
   * Opens the driver with `config` and creates the rings `/<prefix>-ch<channel>` with `slots`
   * slots. `dl_handle` (may be null) is dlclose'd by Close. Throws with the driver's reason.
   * `realtime`: -1 default (driver threads real-time when permitted), 0 off, 1 on (realtime.h).
   */
  DriverHost(const specula_driver_api* api, void* dl_handle, const std::string& config, const std::string& prefix, uint32_t slots,
             int realtime = -1);
  ~DriverHost();

  /** dlopen `path`, look up specula_driver_entry and check the ABI version. */
  static const specula_driver_api* LoadLibrary(const std::string& path, void** handle_out);

  void Start();
  void Stop();
  void Control(const std::string& command);
  /** Stop, close the driver, unlink the rings, dlclose. Idempotent. */
  void Close();

  const char* name() const { return api_->name ? api_->name : "unnamed"; }
  const std::vector<std::unique_ptr<HostChannel>>& channels() const { return chans_; }
  bool closed() const { return drv_ == nullptr; }
  /** True when a driver thread that delivers frames runs as SCHED_FIFO. */
  bool realtime() const;
  /** Priority state of the driver's threads, e.g. "SCHED_FIFO 30" ("pending" before any callback). */
  std::string realtime_state() const;

 private:
  static int Emit(void* ctx, uint32_t channel, const void* data, uint64_t bytes, uint64_t t_acquired_ns, uint32_t flags, uint64_t seq);
  static void Heartbeat(void* ctx);
  static void* BeginFrame(void* ctx, uint32_t channel, uint64_t seq);
  static int CommitFrame(void* ctx, uint32_t channel, uint64_t t_acquired_ns, uint32_t flags);
  HostChannel* Find(uint32_t channel) const;
  /**
   * The calling driver thread's guard: on its first callback (frame or heartbeat) the thread is
   * made real-time (policy of realtime.h); every callback then runs the CPU-share check.
   */
  void GuardThread();
  static void Log(void* ctx, int level, const char* message);
  std::string DriverError(const char* op) const;

  const specula_driver_api* api_;
  void* dl_;
  specula_driver* drv_ = nullptr;
  specula_host host_;
  std::vector<std::unique_ptr<HostChannel>> chans_;
  std::vector<int32_t> index_;  // channel id → position in chans_, -1 when absent
  std::atomic<bool> accepting_{false};
  bool started_ = false;
  const uint64_t id_;  // unique per host, keys the per-thread guard cache
  bool rt_want_ = true;
  mutable std::mutex rt_mu_;
  std::vector<std::unique_ptr<RtGuard>> rt_guards_;  // one per driver thread seen
  RtGuard no_rt_guard_;  // never entered: Check() is a no-op
};

}  // namespace specula
