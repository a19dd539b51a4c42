// The simulated device behind the driver ABI: one native thread per device (like a DMA engine)
// that renders each channel's frame into the channel's staging buffer and emits it, channel i of
// M firing at t0 + k*T + i*T/M (phase-staggered within the frame period T, as real devices do:
// 16 channels firing at one instant cost ~5x the hand-off latency).
//
// Sequence numbers follow the device clock: frame k of a channel has seq k+1. A stalled channel
// (fault switch) keeps counting without emitting, so consumers see a source gap when it recovers;
// a paused device freezes its clock (no gap on resume) but keeps heart-beating. A device that falls
// further behind than its buffer (4 frames or 100 ms) skips ahead (source gap) instead of queueing.
#include "sim_driver.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "clock.h"
#include "config_parse.h"
#include "frame_header.h"
#include "sim_model.h"

struct specula_driver {
  virtual ~specula_driver() = default;
};

namespace specula {
namespace {

struct SimChannel {
  specula_channel_info info;
  bool reference;
  std::vector<uint16_t> staging;
  uint64_t next_seq = 1;
  std::atomic<bool> stalled{false};
};

class SimDevice final : public specula_driver {
 public:
  SimDevice(const std::map<std::string, double>& cfg, const specula_host* host) : host_(*host) {
    auto get = [&](const char* k, double dflt, double lo, double hi, bool integer) {
      auto it = cfg.find(k);
      const double v = it == cfg.end() ? dflt : it->second;
      if (!(v >= lo && v <= hi) || (integer && v != static_cast<double>(static_cast<int64_t>(v)))) {
        std::ostringstream m;
        m << k << ": must be " << (integer ? "an integer " : "") << "in " << lo << ".." << hi << ", got " << v;
        throw std::out_of_range(m.str());
      }
      return v;
    };
    const uint32_t channels = static_cast<uint32_t>(get("channels", 1, 0, 64, true));
    lines_ = static_cast<uint32_t>(get("lines", 600, 1, 16384, true));
    samples_ = static_cast<uint32_t>(get("samples", 1024, 1, 16384, true));
    fps_ = get("fps", 30, 0.01, 1000, false);
    const uint64_t seed = static_cast<uint64_t>(get("seed", 12345, 0, 9007199254740991.0, true));
    const bool reference = get("reference", 1, 0, 1, true) != 0;
    copy_ = get("copy", 0, 0, 1, true) != 0;
    if (channels == 0 && !reference) throw std::out_of_range("channels: need at least one channel (or the reference channel)");
    model_ = std::make_unique<SimModel>(lines_, samples_, seed);
    for (uint32_t c = 0; c < channels; ++c) {
      model_->AddChannel(c);
      AddChannel(c, kFlagSimulated, false);
    }
    if (reference) AddChannel(kReferenceChannelId, kFlagSimulated | kFlagReference, true);
  }

  ~SimDevice() override { Stop(); }

  int Count() const { return static_cast<int>(chans_.size()); }
  const specula_channel_info& Info(uint32_t i) const { return chans_[i]->info; }

  void Start() {
    std::lock_guard<std::mutex> g(life_);
    if (thread_.joinable()) return;
    quit_ = false;
    running_ = false;
    thread_ = std::thread([this] { Run(); });
    // Return once the thread has made its first host callback (the host sets its priority there),
    // so the host's realtime state is known when start() returns.
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait_for(lk, std::chrono::seconds(2), [this] { return running_; });
  }

  void Stop() {
    std::lock_guard<std::mutex> g(life_);
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lk(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void Control(const std::string& cmd) {
    std::istringstream in(cmd);
    std::string verb;
    in >> verb;
    if (verb == "pause") {
      paused_.store(true);
    } else if (verb == "resume") {
      paused_.store(false);
      cv_.notify_all();
    } else if (verb == "stall") {
      long ch = -1, on = -1;
      if (!(in >> ch >> on) || (on != 0 && on != 1)) throw std::invalid_argument("command: expected \"stall <channel> <0|1>\", got \"" + cmd + "\"");
      for (auto& c : chans_) {
        if (static_cast<long>(c->info.channel) == ch) {
          c->stalled.store(on == 1);
          return;
        }
      }
      throw std::out_of_range("channel: the simulated device has no channel " + std::to_string(ch));
    } else {
      throw std::invalid_argument("command: unknown \"" + cmd + "\" (pause, resume, stall <channel> <0|1>)");
    }
  }

  std::string last_error;

 private:
  void AddChannel(uint32_t id, uint32_t flags, bool reference) {
    auto c = std::make_unique<SimChannel>();
    c->info = specula_channel_info{id, lines_, samples_, 2, 0, flags};
    c->reference = reference;
    if (copy_) c->staging.resize(static_cast<size_t>(lines_) * samples_);
    chans_.push_back(std::move(c));
  }

  void Run() {
    // The host makes this thread real-time (SCHED_FIFO, when permitted and not opted out) at its
    // first callback. It never spins: it sleeps on cv_ until the next channel is due and renders one
    // frame per due time; when it falls behind it drains at most the device FIFO (4 frames / 100 ms)
    // back to back and then skips ahead, so a late device cannot keep a core busy catching up. The
    // host's guard demotes it anyway if it ever used more than half a core (e.g. fps × channels
    // beyond what the machine can render).
    host_.heartbeat(host_.ctx);
    uint64_t last_hb = MonotonicNs();
    {
      std::lock_guard<std::mutex> g(mu_);
      running_ = true;
    }
    cv_.notify_all();
    const uint64_t period = static_cast<uint64_t>(1e9 / fps_);
    const uint64_t fifo = std::max<uint64_t>(4 * period, 100000000ull);  // device buffer: 4 frames or 100 ms
    const uint32_t M = static_cast<uint32_t>(chans_.size());
    uint64_t base = MonotonicNs();  // device clock origin; shifted while paused
    uint64_t k = 0;                 // frame index of the next round
    uint32_t next_ch = 0;           // next channel to fire in this round
    uint64_t paused_at = 0;
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      if (quit_) return;
      const uint64_t now = MonotonicNs();
      if (now - last_hb > 100000000ull) {
        host_.heartbeat(host_.ctx);  // alive, whatever the frame rate or pause state
        last_hb = now;
      }
      if (paused_.load()) {
        if (!paused_at) paused_at = now;
        cv_.wait_for(lk, std::chrono::milliseconds(100));
        continue;
      }
      if (paused_at) {
        base += now - paused_at;  // freeze the device clock: no source gap after a pause
        paused_at = 0;
      }
      const uint64_t due = base + k * period + period * next_ch / M;
      if (now < due) {
        const uint64_t wait = std::min<uint64_t>(due - now, 100000000ull);
        cv_.wait_for(lk, std::chrono::nanoseconds(wait));
        continue;
      }
      if (now > due + fifo) {
        // Later than the device's buffer can absorb (machine overloaded): skip the missed rounds.
        // Those frames were acquired but lost, so sequences jump (source gap). Within the buffer
        // depth the late frames are emitted back to back, as a device draining its FIFO would.
        const uint64_t behind = (now - due) / period;
        k += behind;
        for (auto& c : chans_) c->next_seq += behind;
        continue;
      }
      lk.unlock();
      Fire(*chans_[next_ch]);
      lk.lock();
      if (++next_ch == M) {
        next_ch = 0;
        ++k;
      }
    }
  }

  void Fire(SimChannel& c) {
    const uint64_t seq = c.next_seq++;
    if (c.stalled.load(std::memory_order_relaxed)) return;  // frames of this channel are lost
    if (copy_) {
      // Like a driver that gets a DMA buffer and hands it over: render, stamp, emit (one copy).
      model_->Render(c.info.channel, c.reference, seq, c.staging.data());
      const uint64_t t_acq = MonotonicNs();  // the frame is complete in the device's buffer
      host_.emit(host_.ctx, c.info.channel, c.staging.data(), c.staging.size() * sizeof(uint16_t), t_acq, 0, seq);
    } else {
      // Like DMA straight into shared memory: render into the ring slot, no copy.
      void* dst = host_.begin_frame(host_.ctx, c.info.channel, seq);
      if (!dst) return;
      model_->Render(c.info.channel, c.reference, seq, static_cast<uint16_t*>(dst));
      host_.commit_frame(host_.ctx, c.info.channel, MonotonicNs(), 0);
    }
  }

  specula_host host_;
  uint32_t lines_ = 0, samples_ = 0;
  double fps_ = 30;
  bool copy_ = false;  // render into a staging buffer and emit (copy) instead of into the slot
  std::unique_ptr<SimModel> model_;
  std::vector<std::unique_ptr<SimChannel>> chans_;
  std::mutex life_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool quit_ = false;
  bool running_ = false;  // the thread made its first callback (Start waits for it)
  std::atomic<bool> paused_{false};
  std::thread thread_;
};

SimDevice* Sim(specula_driver* d) { return static_cast<SimDevice*>(d); }

template <typename Fn>
int Try(specula_driver* d, Fn&& fn) {
  try {
    fn();
    return 0;
  } catch (const std::exception& e) {
    Sim(d)->last_error = e.what();
    return -1;
  }
}

const specula_driver_api kApi = {
    SPECULA_DRIVER_ABI_VERSION,
    "specula-sim",
    [](const char* config, const specula_host* host, char* err, size_t err_len) -> specula_driver* {
      try {
        return new SimDevice(ParseFlatJson(config ? config : ""), host);
      } catch (const std::exception& e) {
        if (err && err_len) std::snprintf(err, err_len, "%s", e.what());
        return nullptr;
      }
    },
    [](specula_driver* d) { return Sim(d)->Count(); },
    [](specula_driver* d, uint32_t i, specula_channel_info* out) {
      if (i >= static_cast<uint32_t>(Sim(d)->Count())) return -1;
      *out = Sim(d)->Info(i);
      return 0;
    },
    [](specula_driver* d) { return Try(d, [&] { Sim(d)->Start(); }); },
    [](specula_driver* d) { return Try(d, [&] { Sim(d)->Stop(); }); },
    [](specula_driver* d, const char* cmd) { return Try(d, [&] { Sim(d)->Control(cmd ? cmd : ""); }); },
    [](specula_driver* d) { return Sim(d)->last_error.c_str(); },
    [](specula_driver* d) { delete Sim(d); },
};

}  // namespace

const specula_driver_api* SimDriverApi() { return &kApi; }

}  // namespace specula
