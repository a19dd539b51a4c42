// Entry of the specula_native addon: clock, frame header layout, rings, drivers.
#include <memory>

#include "bench_peer.h"
#include "clock.h"
#include "driver_napi.h"
#include "frame_header.h"
#include "napi_util.h"
#include "realtime.h"
#include "ring.h"
#include "ring_napi.h"

namespace specula {
namespace {

Napi::Value MonotonicNsJs(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(MonotonicNs())); }

Napi::Value FrameHeaderLayoutJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  auto set = [&](const char* k, size_t v) { o.Set(k, Napi::Number::New(env, static_cast<double>(v))); };
  set("magic", offsetof(FrameHeader, magic));
  set("version", offsetof(FrameHeader, version));
  set("headerBytes", offsetof(FrameHeader, header_bytes));
  set("channel", offsetof(FrameHeader, channel));
  set("flags", offsetof(FrameHeader, flags));
  set("seq", offsetof(FrameHeader, seq));
  set("tAcquiredNs", offsetof(FrameHeader, t_acquired_ns));
  set("tRingWriteNs", offsetof(FrameHeader, t_ring_write_ns));
  set("lines", offsetof(FrameHeader, lines));
  set("samples", offsetof(FrameHeader, samples));
  set("dtype", offsetof(FrameHeader, dtype));
  set("reserved0", offsetof(FrameHeader, reserved0));
  set("payloadBytes", offsetof(FrameHeader, payload_bytes));
  set("reserved1", offsetof(FrameHeader, reserved1));
  set("size", sizeof(FrameHeader));
  set("magicValue", kFrameMagic);
  set("versionValue", kFrameHeaderVersion);
  return o;
}

Napi::Value ReclaimStaleRingsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string prefix = ArgString(info[0], "prefix");
  return Guard(env, [&] {
    auto removed = ReclaimStaleRings(prefix);
    Napi::Array a = Napi::Array::New(env, removed.size());
    for (size_t i = 0; i < removed.size(); ++i) a.Set(static_cast<uint32_t>(i), removed[i]);
    return a;
  });
}

// { permitted, reason, disabledByEnv }: may this process's threads use SCHED_FIFO, and is the
// SPECULA_REALTIME opt-out set. Lets callers (tests, logs) tell "not permitted" from "not wanted".
Napi::Value RealtimeProbeJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string reason = RealtimeProbe();
  Napi::Object o = Napi::Object::New(env);
  o.Set("permitted", Napi::Boolean::New(env, reason.empty()));
  o.Set("reason", Napi::String::New(env, reason));
  o.Set("disabledByEnv", Napi::Boolean::New(env, RealtimeDisabledByEnv()));
  return o;
}

// copyPipelinePeer(frameBytes, slots, seconds) → { frames, seconds, gbytePerSec }: the benchmark peer
// of the ring's lossless throughput (bench_peer.h). Blocks the calling thread for `seconds`.
Napi::Value CopyPipelinePeerJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t bytes = ArgInt(info[0], "frameBytes", 64, 1ll << 30);
  const int64_t slots = ArgInt(info[1], "slots", 2, 64);
  const double secs = ArgNumber(info[2], "seconds");
  if (!(secs > 0 && secs <= 60)) throw Napi::RangeError::New(env, "seconds: must be in (0, 60]");
  const PipelinePeerResult r = CopyPipelinePeer(static_cast<size_t>(bytes), static_cast<uint32_t>(slots), secs);
  if (r.frames == 0) throw Napi::Error::New(env, "copyPipelinePeer: mmap failed or no frame moved");
  Napi::Object o = Napi::Object::New(env);
  o.Set("frames", Napi::Number::New(env, static_cast<double>(r.frames)));
  o.Set("seconds", Napi::Number::New(env, r.seconds));
  o.Set("gbytePerSec", Napi::Number::New(env, r.gbyte_per_sec));
  return o;
}

// fillPublishLossless(name, lines, samples, slots, seconds) → frames: the zero-copy lossless producer
// of the benchmark (bench_peer.h). Blocks the calling thread for `seconds`.
Napi::Value FillPublishLosslessJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = ArgString(info[0], "name");
  const int64_t lines = ArgInt(info[1], "lines", 1, 65536);
  const int64_t samples = ArgInt(info[2], "samples", 4, 65536);
  const int64_t slots = ArgInt(info[3], "slots", 2, 1024);
  const double secs = ArgNumber(info[4], "seconds");
  if (!(secs > 0 && secs <= 60)) throw Napi::RangeError::New(env, "seconds: must be in (0, 60]");
  return Guard(env, [&] {
    return Napi::Number::New(env, static_cast<double>(FillPublishLossless(name, static_cast<uint32_t>(lines), static_cast<uint32_t>(samples), static_cast<uint32_t>(slots), secs)));
  });
}

}  // namespace

Napi::Object InitImpl(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  exports.Set("monotonicNs", Napi::Function::New(env, MonotonicNsJs, "monotonicNs"));
  exports.Set("frameHeaderLayout", Napi::Function::New(env, FrameHeaderLayoutJs, "frameHeaderLayout"));
  exports.Set("copyPipelinePeer", Napi::Function::New(env, CopyPipelinePeerJs, "copyPipelinePeer"));
  exports.Set("fillPublishLossless", Napi::Function::New(env, FillPublishLosslessJs, "fillPublishLossless"));
  exports.Set("realtimeProbe", Napi::Function::New(env, RealtimeProbeJs, "realtimeProbe"));
  exports.Set("reclaimStaleRings", Napi::Function::New(env, ReclaimStaleRingsJs, "reclaimStaleRings"));
  InitRing(env, exports, data);
  InitDrivers(env, exports, data);
  return exports;
}

}  // namespace specula

static Napi::Object InitSpeculaNative(Napi::Env env, Napi::Object exports) { return specula::InitImpl(env, exports); }
NODE_API_MODULE(specula_native, InitSpeculaNative)
