// Entry of the specula_native addon: clock, frame header layout, rings, drivers.
#include <memory>

#include "clock.h"
#include "driver_napi.h"
#include "frame_header.h"
#include "napi_util.h"
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

}  // namespace

Napi::Object InitImpl(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  exports.Set("monotonicNs", Napi::Function::New(env, MonotonicNsJs, "monotonicNs"));
  exports.Set("frameHeaderLayout", Napi::Function::New(env, FrameHeaderLayoutJs, "frameHeaderLayout"));
  exports.Set("reclaimStaleRings", Napi::Function::New(env, ReclaimStaleRingsJs, "reclaimStaleRings"));
  InitRing(env, exports, data);
  InitDrivers(env, exports, data);
  return exports;
}

}  // namespace specula

static Napi::Object InitSpeculaNative(Napi::Env env, Napi::Object exports) { return specula::InitImpl(env, exports); }
NODE_API_MODULE(specula_native, InitSpeculaNative)
