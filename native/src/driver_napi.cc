// JS wrapper of DriverHost: createSimDevice (built-in simulated device) and loadDriver (a .so).
#include "driver_napi.h"

#include <memory>
#include <sstream>

#include "driver_host.h"
#include "sim_driver.h"

namespace specula {
namespace {

class Driver : public Napi::ObjectWrap<Driver> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Driver",
                       {InstanceAccessor<&Driver::Name>("name"), InstanceAccessor<&Driver::Realtime>("realtime"),
                        InstanceAccessor<&Driver::RealtimeState>("realtimeState"), InstanceMethod<&Driver::Channels>("channels"),
                        InstanceMethod<&Driver::Start>("start"), InstanceMethod<&Driver::Stop>("stop"),
                        InstanceMethod<&Driver::ControlJs>("control"), InstanceMethod<&Driver::Pause>("pause"),
                        InstanceMethod<&Driver::Resume>("resume"), InstanceMethod<&Driver::Stall>("stall"),
                        InstanceMethod<&Driver::Stats>("stats"), InstanceMethod<&Driver::Close>("close")});
  }

  /** new Driver(kind: "sim" | "so", arg: opts | path, opts?) */
  explicit Driver(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Driver>(info) {
    Napi::Env env = info.Env();
    const std::string kind = info[0].As<Napi::String>().Utf8Value();
    if (kind == "sim") {
      Napi::Object o = ArgObject(info[1], "opts");
      const std::string prefix = ArgString(o.Get("prefix"), "opts.prefix");
      const int64_t channels = ArgInt(o.Get("channels"), "opts.channels", 0, 64);
      const int64_t lines = ArgInt(o.Get("lines"), "opts.lines", 1, 16384, true, 600);
      const int64_t samples = ArgInt(o.Get("samples"), "opts.samples", 1, 16384, true, 1024);
      double fps = 30;
      if (!o.Get("fps").IsUndefined()) {
        fps = ArgNumber(o.Get("fps"), "opts.fps");
        if (!(fps > 0 && fps <= 1000)) throw Napi::RangeError::New(env, "opts.fps: must be in (0, 1000], got " + FormatNumber(fps));
      }
      const int64_t seed = ArgInt(o.Get("seed"), "opts.seed", 0, 9007199254740991ll, true, 12345);
      const int64_t slots = ArgInt(o.Get("slots"), "opts.slots", 2, 1024, true, 4);
      const bool reference = o.Get("reference").IsUndefined() ? true : o.Get("reference").ToBoolean().Value();
      const bool copy = o.Get("copy").ToBoolean().Value();
      const int realtime = RealtimeOption(env, o);
      if (channels == 0 && !reference) throw Napi::RangeError::New(env, "opts.channels: need at least one channel (or reference: true)");
      std::ostringstream cfg;
      cfg.precision(17);
      cfg << "{\"channels\":" << channels << ",\"lines\":" << lines << ",\"samples\":" << samples << ",\"fps\":" << fps
          << ",\"seed\":" << seed << ",\"reference\":" << (reference ? 1 : 0) << ",\"copy\":" << (copy ? 1 : 0) << "}";
      host_ = Guard(env, [&] { return std::make_unique<DriverHost>(SimDriverApi(), nullptr, cfg.str(), prefix, static_cast<uint32_t>(slots), realtime); });
    } else {
      const std::string path = ArgString(info[1], "path");
      Napi::Object o = ArgObject(info[2], "opts");
      const std::string prefix = ArgString(o.Get("prefix"), "opts.prefix");
      const std::string config = o.Get("config").IsUndefined() ? std::string() : ArgString(o.Get("config"), "opts.config");
      const int64_t slots = ArgInt(o.Get("slots"), "opts.slots", 2, 1024, true, 4);
      const int realtime = RealtimeOption(env, o);
      host_ = Guard(env, [&] {
        void* dl = nullptr;
        const specula_driver_api* api = DriverHost::LoadLibrary(path, &dl);
        return std::make_unique<DriverHost>(api, dl, config, prefix, static_cast<uint32_t>(slots), realtime);
      });
    }
    data_ = GetAddonData(env);
    data_->hosts.insert(host_.get());
  }

  ~Driver() override {
    if (host_) {
      if (data_) data_->hosts.erase(host_.get());
      host_->Close();
    }
  }

 private:
  /** opts.realtime: undefined → -1 (default: real-time when permitted), else a boolean. */
  static int RealtimeOption(Napi::Env env, Napi::Object o) {
    const Napi::Value v = o.Get("realtime");
    if (v.IsUndefined() || v.IsNull()) return -1;
    if (!v.IsBoolean()) throw Napi::TypeError::New(env, "opts.realtime: expected a boolean");
    return v.As<Napi::Boolean>().Value() ? 1 : 0;
  }
  Napi::Value Realtime(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), host_ && host_->realtime()); }
  Napi::Value RealtimeState(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), host_ ? host_->realtime_state() : std::string("closed"));
  }
  DriverHost& H(Napi::Env env, const char* op) {
    if (!host_ || host_->closed()) throw Napi::Error::New(env, std::string(op) + ": driver is closed");
    return *host_;
  }
  Napi::Value Name(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), host_ ? host_->name() : ""); }

  Napi::Value Channels(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const auto& chans = H(env, "channels").channels();
    Napi::Array a = Napi::Array::New(env, chans.size());
    for (size_t i = 0; i < chans.size(); ++i) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("channel", chans[i]->info.channel);
      o.Set("lines", chans[i]->info.lines);
      o.Set("samples", chans[i]->info.samples);
      o.Set("dtype", chans[i]->info.dtype);
      o.Set("flags", chans[i]->info.flags);
      o.Set("ring", chans[i]->ring_name);
      a.Set(static_cast<uint32_t>(i), o);
    }
    return a;
  }
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!host_) return Napi::Array::New(env);
    const auto& chans = host_->channels();
    Napi::Array a = Napi::Array::New(env, chans.size());
    for (size_t i = 0; i < chans.size(); ++i) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("channel", chans[i]->info.channel);
      o.Set("published", static_cast<double>(chans[i]->published.load()));
      o.Set("rejected", static_cast<double>(chans[i]->rejected.load()));
      a.Set(static_cast<uint32_t>(i), o);
    }
    return a;
  }
  Napi::Value Start(const Napi::CallbackInfo& info) {
    DriverHost& h = H(info.Env(), "start");
    Guard(info.Env(), [&] { h.Start(); return 0; });
    return info.Env().Undefined();
  }
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (host_ && !host_->closed()) Guard(info.Env(), [&] { host_->Stop(); return 0; });
    return info.Env().Undefined();
  }
  void Command(Napi::Env env, const std::string& cmd) {
    DriverHost& h = H(env, "control");
    Guard(env, [&] { h.Control(cmd); return 0; });
  }
  Napi::Value ControlJs(const Napi::CallbackInfo& info) {
    Command(info.Env(), ArgString(info[0], "command"));
    return info.Env().Undefined();
  }
  Napi::Value Pause(const Napi::CallbackInfo& info) {
    Command(info.Env(), "pause");
    return info.Env().Undefined();
  }
  Napi::Value Resume(const Napi::CallbackInfo& info) {
    Command(info.Env(), "resume");
    return info.Env().Undefined();
  }
  Napi::Value Stall(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int64_t ch = ArgInt(info[0], "channel", 0, 65535);
    if (!info[1].IsBoolean()) throw Napi::TypeError::New(env, "stalled: expected a boolean");
    bool known = false;
    for (const auto& c : H(env, "stall").channels()) known = known || c->info.channel == static_cast<uint32_t>(ch);
    if (!known) throw Napi::RangeError::New(env, "channel: the device has no channel " + std::to_string(ch));
    Command(env, "stall " + std::to_string(ch) + (info[1].As<Napi::Boolean>().Value() ? " 1" : " 0"));
    return env.Undefined();
  }
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (host_) {
      data_->hosts.erase(host_.get());
      host_->Close();
    }
    return info.Env().Undefined();
  }

  std::unique_ptr<DriverHost> host_;
  AddonData* data_ = nullptr;
};

}  // namespace

void InitDrivers(Napi::Env env, Napi::Object exports, AddonData* data) {
  data->driver_ctor = Napi::Persistent(Driver::Define(env));
  exports.Set("createSimDevice", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    ArgObject(info[0], "opts");
    return GetAddonData(info.Env())->driver_ctor.New({Napi::String::New(info.Env(), "sim"), info[0]});
  }, "createSimDevice"));
  exports.Set("loadDriver", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    ArgString(info[0], "path");
    ArgObject(info[1], "opts");
    return GetAddonData(info.Env())->driver_ctor.New({Napi::String::New(info.Env(), "so"), info[0], info[1]});
  }, "loadDriver"));
  // A clean exit closes what JS left open: drivers stop their threads and every ring is unlinked.
  env.AddCleanupHook([data] {
    for (DriverHost* h : data->hosts) h->Close();
    data->hosts.clear();
    for (RingWriter* w : data->writers) w->Close(true);
    data->writers.clear();
  });
}

}  // namespace specula
