// A minimal device driver used by src/native/driver-abi.test.ts: built with `g++ -shared` inside
// the test, loaded through dlopen by the connector. Shows the whole ABI: config parsing, channel
// list, a producer thread, copying emit (channel 0) and zero-copy begin/commit (channel 1),
// heartbeats, control commands and last_error.
//
// Config: {"lines":L,"samples":N,"fps":F,"failOpen":0|1}
// Frame `seq` of channel c: u16 value (seq * 31 + c * 1000 + i) & 0xffff at index i.
#include <specula_driver.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

struct specula_driver {
  specula_host host;
  uint32_t lines = 4, samples = 16;
  double fps = 100;
  std::thread thread;
  std::atomic<bool> running{false};
  std::string error;
};

namespace {

double Num(const char* cfg, const char* key, double dflt) {
  const std::string k = std::string("\"") + key + "\"";
  const char* p = cfg ? std::strstr(cfg, k.c_str()) : nullptr;
  if (!p) return dflt;
  p = std::strchr(p + k.size(), ':');
  return p ? std::strtod(p + 1, nullptr) : dflt;
}

uint64_t Now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void Fill(uint16_t* p, size_t n, uint64_t seq, uint32_t ch) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint16_t>((seq * 31 + ch * 1000 + i) & 0xffff);
}

void Run(specula_driver* d) {
  const size_t n = static_cast<size_t>(d->lines) * d->samples;
  std::vector<uint16_t> buf(n);
  const auto period = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / d->fps));
  auto next = std::chrono::steady_clock::now();
  for (uint64_t seq = 1; d->running.load(); ++seq) {
    Fill(buf.data(), n, seq, 0);
    d->host.emit(d->host.ctx, 0, buf.data(), n * 2, Now(), 0, seq);
    if (void* dst = d->host.begin_frame(d->host.ctx, 1, seq)) {
      Fill(static_cast<uint16_t*>(dst), n, seq, 1);
      d->host.commit_frame(d->host.ctx, 1, Now(), 0);
    }
    next += period;
    std::this_thread::sleep_until(next);
  }
}

specula_driver* Open(const char* config, const specula_host* host, char* err, size_t err_len) {
  if (Num(config, "failOpen", 0) != 0) {
    std::snprintf(err, err_len, "test device not connected (failOpen)");
    return nullptr;
  }
  auto* d = new specula_driver();
  d->host = *host;
  d->lines = static_cast<uint32_t>(Num(config, "lines", 4));
  d->samples = static_cast<uint32_t>(Num(config, "samples", 16));
  d->fps = Num(config, "fps", 100);
  if (host->log) host->log(host->ctx, 0, "test driver opened");
  return d;
}

int ChannelCount(specula_driver*) { return 2; }

int ChannelInfo(specula_driver* d, uint32_t i, specula_channel_info* out) {
  if (i > 1) {
    d->error = "no such channel index";
    return -1;
  }
  *out = specula_channel_info{i, d->lines, d->samples, 2, 0, 0};
  return 0;
}

int Start(specula_driver* d) {
  d->running = true;
  d->thread = std::thread(Run, d);
  return 0;
}

int Stop(specula_driver* d) {
  d->running = false;
  if (d->thread.joinable()) d->thread.join();
  return 0;
}

int Control(specula_driver* d, const char* cmd) {
  if (std::strcmp(cmd, "ping") == 0) return 0;
  d->error = std::string("unknown command '") + cmd + "'";
  return -1;
}

const char* LastError(specula_driver* d) { return d->error.c_str(); }

void Close(specula_driver* d) {
  Stop(d);
  delete d;
}

const specula_driver_api kApi = {SPECULA_DRIVER_ABI_VERSION, "test-driver", Open, ChannelCount, ChannelInfo, Start, Stop, Control, LastError, Close};

}  // namespace

extern "C" const specula_driver_api* specula_driver_entry(void) { return &kApi; }
