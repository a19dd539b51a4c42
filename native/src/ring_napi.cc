// N-API wrappers of RingWriter/RingReader.
//
// Waiting never blocks the JS thread and never holds a libuv pool thread: each consumer that
// waits owns one native waiter thread (created on first wait) that sleeps on the ring's futex
// with a deadline and hands the result back through a ThreadSafeFunction. `waitRead` also does the
// copy on that thread, so the frame is already in the caller's buffers when the callback runs.
#include "ring_napi.h"

#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "clock.h"
#include "ring.h"

namespace specula {

namespace {

constexpr uint64_t kDefaultDeadAfterMs = 2000;
constexpr double kMaxWaitMs = 3600.0 * 1000.0;

void FillInfo(double* info, size_t info_len, const ReadResult& r, const uint8_t* header, bool have_frame) {
  if (info_len > kInfoCrc32) info[kInfoCrc32] = have_frame ? static_cast<double>(r.crc32) : -1.0;
  info[kInfoSeq] = static_cast<double>(r.seq);
  info[kInfoGap] = static_cast<double>(r.gap);
  info[kInfoOverrun] = r.overrun ? 1.0 : 0.0;
  info[kInfoLatestSeq] = static_cast<double>(r.latest);
  info[kInfoHeartbeatAgeMs] = r.heartbeat_age_ms;
  info[kInfoTCopiedNs] = static_cast<double>(r.t_copied_ns);
  if (have_frame) {
    FrameHeader fh;
    std::memcpy(&fh, header, sizeof fh);
    info[kInfoTAcquiredNs] = static_cast<double>(fh.t_acquired_ns);
    info[kInfoFlags] = static_cast<double>(fh.flags);
  } else {
    info[kInfoTAcquiredNs] = 0;
    info[kInfoFlags] = 0;
  }
}

// ------------------------------------------------------------------ producer

class Producer : public Napi::ObjectWrap<Producer> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "RingProducer",
                       {InstanceAccessor<&Producer::Name>("name"), InstanceAccessor<&Producer::SlotBytes>("slotBytes"),
                        InstanceAccessor<&Producer::PayloadBytes>("payloadBytes"), InstanceMethod<&Producer::Publish>("publish"),
                        InstanceMethod<&Producer::Heartbeat>("heartbeat"), InstanceMethod<&Producer::Close>("close")});
  }

  explicit Producer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Producer>(info) {
    Napi::Env env = info.Env();
    Napi::Object o = ArgObject(info[0], "opts");
    RingSpec spec;
    spec.name = ArgString(o.Get("name"), "opts.name");
    spec.channel = static_cast<uint32_t>(ArgInt(o.Get("channel"), "opts.channel", 0, 65535));
    spec.lines = static_cast<uint32_t>(ArgInt(o.Get("lines"), "opts.lines", 1, 65536));
    spec.samples = static_cast<uint32_t>(ArgInt(o.Get("samples"), "opts.samples", 1, 65536));
    spec.dtype = static_cast<uint32_t>(ArgInt(o.Get("dtype"), "opts.dtype", 1, 4));
    spec.slots = static_cast<uint32_t>(ArgInt(o.Get("slots"), "opts.slots", 2, 1024));
    const bool lossless = o.Get("lossless").ToBoolean().Value();
    const int64_t lossless_ms = ArgInt(o.Get("losslessTimeoutMs"), "opts.losslessTimeoutMs", 0, 3600000, true, 1000);
    Guard(env, [&] {
      w_ = std::make_unique<RingWriter>(spec);
      return 0;
    });
    w_->SetLossless(lossless, static_cast<uint64_t>(lossless_ms) * 1000000ull);
    data_ = GetAddonData(env);
    data_->writers.insert(w_.get());
  }

  ~Producer() override {
    if (w_ && data_) data_->writers.erase(w_.get());
  }

 private:
  RingWriter& W(Napi::Env env, const char* op) {
    if (!w_ || !w_->mapped()) throw Napi::Error::New(env, std::string(op) + ": ring producer is closed");
    return *w_;
  }
  Napi::Value Name(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), w_ ? w_->name() : ""); }
  Napi::Value SlotBytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(w_ ? w_->slot_stride() : 0));
  }
  Napi::Value PayloadBytes(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), w_ ? w_->payload_bytes() : 0); }

  Napi::Value Publish(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RingWriter& w = W(env, "publish");
    ViewBytes p = ArgView(info[0], "payload");
    const double t = ArgNumber(info[1], "tAcquiredNs");
    if (t < 0) throw Napi::RangeError::New(env, "tAcquiredNs: must be >= 0");
    const uint32_t flags = static_cast<uint32_t>(ArgInt(info[2], "flags", 0, 0xffffffffll, true, 0));
    const int64_t seq = ArgInt(info[3], "seq", 0, 9007199254740991ll, true, 0);
    return Guard(env, [&] {
      return Napi::Number::New(env, static_cast<double>(w.Publish(p.data, p.length, static_cast<uint64_t>(t), flags, static_cast<uint64_t>(seq))));
    });
  }
  Napi::Value Heartbeat(const Napi::CallbackInfo& info) {
    W(info.Env(), "heartbeat").Heartbeat();
    return info.Env().Undefined();
  }
  Napi::Value Close(const Napi::CallbackInfo& info) {
    const bool unlink = info[0].IsUndefined() ? true : info[0].ToBoolean().Value();
    if (w_) {
      w_->Close(unlink);
      data_->writers.erase(w_.get());
    }
    return info.Env().Undefined();
  }

  std::unique_ptr<RingWriter> w_;
  AddonData* data_ = nullptr;
};

// ------------------------------------------------------------------ consumer

class Consumer : public Napi::ObjectWrap<Consumer> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "RingConsumer",
                       {InstanceAccessor<&Consumer::Name>("name"), InstanceAccessor<&Consumer::Channel>("channel"),
                        InstanceAccessor<&Consumer::Lines>("lines"), InstanceAccessor<&Consumer::Samples>("samples"),
                        InstanceAccessor<&Consumer::DTypeCode>("dtype"), InstanceAccessor<&Consumer::Slots>("slots"),
                        InstanceAccessor<&Consumer::PayloadBytes>("payloadBytes"), InstanceAccessor<&Consumer::OwnerPid>("ownerPid"),
                        InstanceAccessor<&Consumer::Realtime>("realtime"),
                        InstanceMethod<&Consumer::ReadLatest>("readLatest"), InstanceMethod<&Consumer::ReadNext>("readNext"),
                        InstanceMethod<&Consumer::Wait>("wait"), InstanceMethod<&Consumer::WaitRead>("waitRead"),
                        InstanceMethod<&Consumer::WaitSync>("waitSync"),
                        InstanceMethod<&Consumer::Ack>("ack"), InstanceMethod<&Consumer::LatestSeq>("latestSeq"),
                        InstanceMethod<&Consumer::HeartbeatAge>("heartbeatAgeMs"), InstanceMethod<&Consumer::Status>("status"),
                        InstanceMethod<&Consumer::Close>("close")});
  }

  explicit Consumer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Consumer>(info) {
    Napi::Env env = info.Env();
    const std::string name = ArgString(info[0], "name");
    uint64_t dead_ms = kDefaultDeadAfterMs;
    if (!info[1].IsUndefined() && !info[1].IsNull()) {
      Napi::Object o = ArgObject(info[1], "opts");
      dead_ms = static_cast<uint64_t>(ArgInt(o.Get("deadAfterMs"), "opts.deadAfterMs", 1, 3600000, true, kDefaultDeadAfterMs));
      want_realtime_ = o.Get("realtime").ToBoolean().Value();
    }
    Guard(env, [&] {
      r_ = std::make_unique<RingReader>(name, dead_ms * 1000000ull);
      return 0;
    });
  }

  ~Consumer() override { Shutdown(); }

 private:
  RingReader& R(Napi::Env env, const char* op) {
    if (!r_) throw Napi::Error::New(env, std::string(op) + ": ring consumer is closed");
    return *r_;
  }
  const RingHeader* H() const { return r_ ? r_->hdr() : nullptr; }
  Napi::Value Name(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), name_cache()); }
  std::string name_cache() const { return r_ ? r_->name() : std::string(); }
  Napi::Value U32(Napi::Env env, uint32_t RingHeader::*f) const { return Napi::Number::New(env, H() ? H()->*f : 0); }
  Napi::Value Channel(const Napi::CallbackInfo& i) { return U32(i.Env(), &RingHeader::channel); }
  Napi::Value Lines(const Napi::CallbackInfo& i) { return U32(i.Env(), &RingHeader::lines); }
  Napi::Value Samples(const Napi::CallbackInfo& i) { return U32(i.Env(), &RingHeader::samples); }
  Napi::Value DTypeCode(const Napi::CallbackInfo& i) { return U32(i.Env(), &RingHeader::dtype); }
  Napi::Value Slots(const Napi::CallbackInfo& i) { return U32(i.Env(), &RingHeader::slots); }
  Napi::Value PayloadBytes(const Napi::CallbackInfo& i) { return U32(i.Env(), &RingHeader::payload_bytes); }
  Napi::Value OwnerPid(const Napi::CallbackInfo& i) { return U32(i.Env(), &RingHeader::owner_pid); }
  Napi::Value Realtime(const Napi::CallbackInfo& i) { return Napi::Boolean::New(i.Env(), is_realtime_.load()); }

  /** Validates (header, payload, info) and returns raw pointers. */
  void Buffers(const Napi::CallbackInfo& info, uint8_t** hdr, uint8_t** pay, double** inf, size_t* inf_len) {
    Napi::Env env = info.Env();
    ViewBytes h = ArgView(info[0], "header");
    if (h.length < kFrameHeaderBytes) throw Napi::RangeError::New(env, "header: needs at least 64 bytes, got " + std::to_string(h.length));
    ViewBytes p = ArgView(info[1], "payload");
    const uint32_t need = R(env, "read").hdr()->payload_bytes;
    if (p.length < need) {
      throw Napi::RangeError::New(env, "payload: needs at least " + std::to_string(need) + " bytes, got " + std::to_string(p.length));
    }
    *hdr = h.data;
    *pay = p.data;
    *inf = ArgF64(info[2], "info", kReadInfoLength);
    *inf_len = info[2].As<Napi::Float64Array>().ElementLength();
  }

  Napi::Value Read(const Napi::CallbackInfo& info, bool next) {
    Napi::Env env = info.Env();
    if (outstanding_ && copy_mode_) throw Napi::Error::New(env, "read: a waitRead is outstanding on this consumer; read in its callback");
    uint8_t *hdr, *pay;
    double* inf;
    size_t inf_len;
    Buffers(info, &hdr, &pay, &inf, &inf_len);
    const bool crc = inf_len > kInfoCrc32;
    ReadResult rr;
    int st;
    {
      std::lock_guard<std::mutex> g(mu_);
      st = next ? r_->ReadNext(hdr, pay, &rr, crc) : r_->ReadLatest(hdr, pay, &rr, crc);
    }
    FillInfo(inf, inf_len, rr, hdr, st == kFrame);
    return Napi::Number::New(env, st);
  }
  Napi::Value ReadLatest(const Napi::CallbackInfo& info) { return Read(info, false); }
  Napi::Value ReadNext(const Napi::CallbackInfo& info) { return Read(info, true); }

  Napi::Value Ack(const Napi::CallbackInfo& info) {
    R(info.Env(), "ack").Ack(static_cast<uint64_t>(ArgInt(info[0], "seq", 0, 9007199254740991ll)));
    return info.Env().Undefined();
  }
  Napi::Value LatestSeq(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(R(info.Env(), "latestSeq").LatestSeq()));
  }
  Napi::Value HeartbeatAge(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), R(info.Env(), "heartbeatAgeMs").HeartbeatAgeMs());
  }
  /** 0 alive, ReadStatus.ProducerDead or ReadStatus.Closed. */
  Napi::Value Status(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), R(info.Env(), "status").Liveness()); }

  // -------------------------------------------------------------- waiting

  static void CallJs(Napi::Env env, Napi::Function, Consumer* self, void*) {
    if (env == nullptr || self == nullptr) return;
    self->OnWaitDone(env);
  }

  void OnWaitDone(Napi::Env env) {
    Napi::HandleScope scope(env);
    outstanding_ = false;
    tsfn_.Unref(env);
    if (copy_mode_ && info_) FillInfo(info_, info_len_, rr_, hdr_, result_ == kFrame);
    Napi::Function cb = cb_.Value();
    const int st = result_;
    Unref();  // the wait held the wrapper alive; from here `this` may be collected
    try {
      cb.Call({Napi::Number::New(env, st)});
    } catch (const Napi::Error& e) {
      e.ThrowAsJavaScriptException();
    }
  }

  void StartWait(const Napi::CallbackInfo& info, int cb_index, double timeout_ms, uint64_t after, bool copy) {
    Napi::Env env = info.Env();
    if (!info[cb_index].IsFunction()) throw Napi::TypeError::New(env, "cb: expected a function");
    if (outstanding_) throw Napi::Error::New(env, "wait: a wait is already outstanding on this consumer");
    Napi::Function cb = info[cb_index].As<Napi::Function>();
    if (cb_.IsEmpty() || !cb_.Value().StrictEquals(cb)) cb_ = Napi::Persistent(cb);
    if (!thread_started_) {
      tsfn_ = Tsfn::New(env, "specula.ring.wait", 0, 1, this);
      tsfn_.Unref(env);
      thread_ = std::thread([this] { ThreadMain(); });
      thread_started_ = true;
    }
    {
      std::lock_guard<std::mutex> g(wmu_);
      req_after_ = after;
      req_deadline_ = MonotonicNs() + static_cast<uint64_t>(timeout_ms * 1e6);
      copy_mode_ = copy;
      has_req_ = true;
    }
    outstanding_ = true;
    Ref();
    tsfn_.Ref(env);
    wcv_.notify_one();
  }

  Napi::Value Wait(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    R(env, "wait");
    const uint64_t after = static_cast<uint64_t>(ArgInt(info[0], "afterSeq", 0, 9007199254740991ll));
    const double t = ArgNumber(info[1], "timeoutMs");
    if (t < 0 || t > kMaxWaitMs) throw Napi::RangeError::New(env, "timeoutMs: must be 0..3600000 (every wait has a deadline)");
    StartWait(info, 2, t, after, false);
    return env.Undefined();
  }

  /** Blocking variant for dedicated consumer threads/processes: sleeps on the futex right here. */
  Napi::Value WaitSync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RingReader& r = R(env, "waitSync");
    if (outstanding_) throw Napi::Error::New(env, "waitSync: an async wait is outstanding on this consumer");
    const uint64_t after = static_cast<uint64_t>(ArgInt(info[0], "afterSeq", 0, 9007199254740991ll));
    const double t = ArgNumber(info[1], "timeoutMs");
    if (t < 0 || t > kMaxWaitMs) throw Napi::RangeError::New(env, "timeoutMs: must be 0..3600000 (every wait has a deadline)");
    return Napi::Number::New(env, r.WaitFor(after, MonotonicNs() + static_cast<uint64_t>(t * 1e6), nullptr));
  }

  Napi::Value WaitRead(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    R(env, "waitRead");
    if (outstanding_) throw Napi::Error::New(env, "waitRead: a wait is already outstanding on this consumer");
    Buffers(info, &hdr_, &pay_, &info_, &info_len_);
    const double t = ArgNumber(info[3], "timeoutMs");
    if (t < 0 || t > kMaxWaitMs) throw Napi::RangeError::New(env, "timeoutMs: must be 0..3600000 (every wait has a deadline)");
    // Keep the caller's arrays alive until the callback (they are written from the waiter thread).
    for (int i = 0; i < 3; ++i) {
      Napi::Object o = info[i].As<Napi::Object>();
      if (bufs_[i].IsEmpty() || !bufs_[i].Value().StrictEquals(o)) bufs_[i] = Napi::Persistent(o);
    }
    uint64_t after;
    {
      std::lock_guard<std::mutex> g(mu_);
      after = r_->last_seq();
    }
    StartWait(info, 4, t, after, true);
    return env.Undefined();
  }

  void ThreadMain() {
    if (want_realtime_) is_realtime_.store(TryRealtime(20));
    std::unique_lock<std::mutex> lk(wmu_);
    for (;;) {
      wcv_.wait(lk, [this] { return quit_ || has_req_; });
      if (!has_req_) return;  // quit with nothing pending
      has_req_ = false;
      const uint64_t after = req_after_, deadline = req_deadline_;
      const bool copy = copy_mode_;
      lk.unlock();
      int st = r_->WaitFor(after, deadline, &cancel_);
      if (copy) {
        rr_ = ReadResult{};
        if (st == kFrame) {
          std::lock_guard<std::mutex> g(mu_);
          st = r_->ReadLatest(hdr_, pay_, &rr_, info_len_ > kInfoCrc32);
        } else {
          rr_.latest = r_->LatestSeq();
          rr_.heartbeat_age_ms = r_->HeartbeatAgeMs();
        }
      }
      result_ = st;
      tsfn_.NonBlockingCall();
      lk.lock();
    }
  }

  void Shutdown() {
    if (thread_started_) {
      {
        std::lock_guard<std::mutex> g(wmu_);
        quit_ = true;
      }
      cancel_.store(true);
      wcv_.notify_one();
      if (r_) r_->WakeAll();
      thread_.join();
      tsfn_.Release();
      thread_started_ = false;
    }
    r_.reset();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  using Tsfn = Napi::TypedThreadSafeFunction<Consumer, void, &Consumer::CallJs>;

  std::unique_ptr<RingReader> r_;
  bool want_realtime_ = false;
  std::atomic<bool> is_realtime_{false};
  std::mutex mu_;  // the reader position: JS-thread reads vs the waiter thread's copy
  // Waiter thread and its single request slot.
  std::thread thread_;
  bool thread_started_ = false;
  std::mutex wmu_;
  std::condition_variable wcv_;
  bool has_req_ = false, quit_ = false, copy_mode_ = false;
  uint64_t req_after_ = 0, req_deadline_ = 0;
  std::atomic<bool> cancel_{false};
  Tsfn tsfn_;
  // Result handed from the waiter thread to the JS thread (ordered by the TSFN queue).
  int result_ = 0;
  ReadResult rr_;
  bool outstanding_ = false;
  Napi::FunctionReference cb_;
  Napi::ObjectReference bufs_[3];
  uint8_t* hdr_ = nullptr;
  uint8_t* pay_ = nullptr;
  double* info_ = nullptr;
  size_t info_len_ = 0;
};

}  // namespace

void InitRing(Napi::Env env, Napi::Object exports, AddonData* data) {
  Napi::Function p = Producer::Define(env);
  Napi::Function c = Consumer::Define(env);
  data->producer_ctor = Napi::Persistent(p);
  data->consumer_ctor = Napi::Persistent(c);
  exports.Set("createRing", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return GetAddonData(info.Env())->producer_ctor.New({info[0]});
  }, "createRing"));
  exports.Set("openRing", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    ArgString(info[0], "name");
    return GetAddonData(info.Env())->consumer_ctor.New({info[0], info[1]});
  }, "openRing"));
}

}  // namespace specula
