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
#include <vector>

#include "clock.h"
#include "realtime.h"
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
                        InstanceAccessor<&Consumer::Realtime>("realtime"), InstanceAccessor<&Consumer::RealtimeState>("realtimeState"),
                        InstanceMethod<&Consumer::ReadLatest>("readLatest"), InstanceMethod<&Consumer::ReadNext>("readNext"),
                        InstanceMethod<&Consumer::Wait>("wait"), InstanceMethod<&Consumer::WaitRead>("waitRead"),
                        InstanceMethod<&Consumer::WaitSync>("waitSync"), InstanceMethod<&Consumer::Stream>("stream"),
                        InstanceMethod<&Consumer::StopStream>("stopStream"),
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
      // Default (undefined): real-time when permitted; false opts out (SPECULA_REALTIME=0 always does).
      const Napi::Value rt = o.Get("realtime");
      if (!rt.IsUndefined() && !rt.IsNull()) {
        if (!rt.IsBoolean()) throw Napi::TypeError::New(env, "opts.realtime: expected a boolean");
        rt_option_ = rt.As<Napi::Boolean>().Value() ? 1 : 0;
      }
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
  Napi::Value Realtime(const Napi::CallbackInfo& i) { return Napi::Boolean::New(i.Env(), rt_.realtime()); }
  Napi::Value RealtimeState(const Napi::CallbackInfo& i) {
    return Napi::String::New(i.Env(), rt_.entered() ? rt_.Describe() : std::string("pending (no wait yet)"));
  }

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
    if (streaming_js_) throw Napi::Error::New(env, "read: this consumer is streaming; frames arrive in the stream's buffers");
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

  static void CallJs(Napi::Env env, Napi::Function, Consumer* self, void* tag) {
    if (env == nullptr || self == nullptr) return;
    if (tag == &kStreamTag) self->OnStream(env);
    else self->OnWaitDone(env);
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
    if (streaming_js_) throw Napi::Error::New(env, "wait: this consumer is streaming (stopStream() first)");
    Napi::Function cb = info[cb_index].As<Napi::Function>();
    if (cb_.IsEmpty() || !cb_.Value().StrictEquals(cb)) cb_ = Napi::Persistent(cb);
    EnsureThread(env);
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

  void EnsureThread(Napi::Env env) {
    if (thread_started_) return;
    tsfn_ = Tsfn::New(env, "specula.ring.wait", 0, 1, this);
    tsfn_.Unref(env);
    thread_ = std::thread([this] { ThreadMain(); });
    thread_started_ = true;
  }

  // -------------------------------------------------------------- streaming
  //
  // stream(buffers, timeoutMs, cb): the waiter thread copies every new frame (latest-wins) into one
  // of the caller's 2..8 buffer sets as soon as it is published, whether or not JS is running, and
  // calls cb(status, index) with the newest one. This takes the JS thread's scheduling out of the
  // hand-off (with waitRead a frame published before JS re-armed waits in the ring for JS).
  // Buffer states (under smu_): Free → Writing (waiter copies, no lock held) → Ready (copied, not yet
  // delivered) → Held (given to JS; it stays JS's until the next callback delivers another buffer).
  // A Ready buffer that a newer frame overtakes before JS took it is reused (its frame counts in
  // the next delivered frame's gap). JS is never handed a buffer the waiter may write: the waiter
  // only writes Free or Ready buffers and the callback only hands out Ready ones.
  enum BufState : int { kBufFree = 0, kBufWriting = 1, kBufReady = 2, kBufHeld = 3 };
  struct StreamBuf {
    uint8_t* hdr = nullptr;
    uint8_t* pay = nullptr;
    double* info = nullptr;
    size_t info_len = 0;
    int state = kBufFree;
    uint64_t seq = 0;
  };
  static constexpr size_t kMaxStreamBufs = 8;

  Napi::Value Stream(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RingReader& r = R(env, "stream");
    if (outstanding_) throw Napi::Error::New(env, "stream: a wait is outstanding on this consumer");
    if (streaming_js_) throw Napi::Error::New(env, "stream: already streaming (stopStream() first)");
    if (!info[0].IsArray()) throw Napi::TypeError::New(env, "buffers: expected an array of { header, payload, info }");
    Napi::Array arr = info[0].As<Napi::Array>();
    if (arr.Length() < 2 || arr.Length() > kMaxStreamBufs) {
      throw Napi::RangeError::New(env, "buffers: needs 2.." + std::to_string(kMaxStreamBufs) + " buffer sets, got " + std::to_string(arr.Length()));
    }
    const double t = ArgNumber(info[1], "timeoutMs");
    // Not 0: the loop re-waits after each timeout, and a zero deadline would make it spin.
    if (!(t >= 1 && t <= kMaxWaitMs)) throw Napi::RangeError::New(env, "timeoutMs: must be 1..3600000 for a stream");
    if (!info[2].IsFunction()) throw Napi::TypeError::New(env, "cb: expected a function");
    const uint32_t need = r.hdr()->payload_bytes;
    std::vector<StreamBuf> bufs(arr.Length());
    std::vector<Napi::ObjectReference> refs;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      const std::string at = "buffers[" + std::to_string(i) + "]";
      Napi::Object o = ArgObject(arr.Get(i), at.c_str());
      ViewBytes h = ArgView(o.Get("header"), (at + ".header").c_str());
      if (h.length < kFrameHeaderBytes) throw Napi::RangeError::New(env, at + ".header: needs at least 64 bytes, got " + std::to_string(h.length));
      ViewBytes p = ArgView(o.Get("payload"), (at + ".payload").c_str());
      if (p.length < need) throw Napi::RangeError::New(env, at + ".payload: needs at least " + std::to_string(need) + " bytes, got " + std::to_string(p.length));
      bufs[i].hdr = h.data;
      bufs[i].pay = p.data;
      bufs[i].info = ArgF64(o.Get("info"), (at + ".info").c_str(), kReadInfoLength);
      bufs[i].info_len = o.Get("info").As<Napi::Float64Array>().ElementLength();
      for (uint32_t j = 0; j < i; ++j) {
        if (bufs[j].pay == bufs[i].pay || bufs[j].hdr == bufs[i].hdr || bufs[j].info == bufs[i].info) {
          throw Napi::Error::New(env, at + ": shares an array with buffers[" + std::to_string(j) + "]; every set needs its own arrays");
        }
      }
      refs.push_back(Napi::Persistent(o));  // keeps header/payload/info alive while the thread writes
    }
    // Prefault: fresh typed arrays are lazily mapped zero pages, and a set first used in a burst
    // would take ~300 page faults (1–2 ms) inside the hand-off. Touch every page once, here, on the
    // JS thread (contents unchanged).
    for (const auto& b : bufs) {
      for (size_t off = 0; off < need; off += 4096) {
        volatile uint8_t* q = b.pay + off;
        *q = *q;
      }
      volatile uint8_t* q = b.pay + need - 1;
      *q = *q;
    }
    EnsureThread(env);
    {
      std::lock_guard<std::mutex> g(smu_);
      sbufs_ = std::move(bufs);
      cb_queued_ = false;
      pending_status_ = 0;
      last_delivered_seq_ = 0;
      stream_timeout_ns_ = static_cast<uint64_t>(t * 1e6);
      stream_cancel_.store(false);
    }
    sbuf_refs_ = std::move(refs);
    scb_ = Napi::Persistent(info[2].As<Napi::Function>());
    streaming_js_ = true;
    Ref();
    tsfn_.Ref(env);
    {
      std::lock_guard<std::mutex> g(wmu_);
      stream_req_ = true;
      has_req_ = true;
    }
    wcv_.notify_one();
    return env.Undefined();
  }

  /** Ends the stream; returns once the waiter thread no longer touches the buffers. */
  void EndStream(Napi::Env env) {
    if (!streaming_js_) return;
    stream_cancel_.store(true);
    {
      // A stream request the thread has not picked up yet is withdrawn, so a wait requested next
      // cannot be swallowed with it (the request slot holds one request).
      std::lock_guard<std::mutex> g(wmu_);
      if (stream_req_) {
        stream_req_ = false;
        has_req_ = false;
      }
    }
    if (r_) r_->WakeAll();
    {
      std::unique_lock<std::mutex> lk(smu_);
      scv_.wait(lk, [this] { return !stream_running_; });  // at most one frame copy away
      sbufs_.clear();
      cb_queued_ = false;
      pending_status_ = 0;
    }
    streaming_js_ = false;
    sbuf_refs_.clear();
    scb_.Reset();
    tsfn_.Unref(env);
    Unref();
  }

  Napi::Value StopStream(const Napi::CallbackInfo& info) {
    EndStream(info.Env());
    return info.Env().Undefined();
  }

  // Waiter thread. Queue one JS callback at a time (smu_ held).
  void QueueStreamCall() {
    if (cb_queued_) return;
    cb_queued_ = true;
    tsfn_.NonBlockingCall(&kStreamTag);
  }

  void StreamLoop() {
    {
      std::lock_guard<std::mutex> g(smu_);
      stream_running_ = true;
    }
    for (;;) {
      if (stream_cancel_.load(std::memory_order_acquire)) break;
      uint64_t after;
      {
        std::lock_guard<std::mutex> g(mu_);
        after = r_->last_seq();
      }
      int st = r_->WaitFor(after, MonotonicNs() + stream_timeout_ns_, &stream_cancel_);
      if (stream_cancel_.load(std::memory_order_acquire)) break;
      bool end = false;
      if (st == kFrame) {
        StreamBuf* b = nullptr;
        {
          std::lock_guard<std::mutex> g(smu_);
          for (auto& x : sbufs_) if (x.state == kBufFree) { b = &x; break; }
          if (!b) for (auto& x : sbufs_) if (x.state == kBufReady) { b = &x; break; }  // overtaken: reuse
          if (b) b->state = kBufWriting;
        }
        if (b) {
          ReadResult rr;
          int rs;
          {
            std::lock_guard<std::mutex> g(mu_);
            rs = r_->ReadLatest(b->hdr, b->pay, &rr, b->info_len > kInfoCrc32);
          }
          if (rs == kFrame) FillInfo(b->info, b->info_len, rr, b->hdr, true);
          std::lock_guard<std::mutex> g(smu_);
          if (rs == kFrame) {
            b->state = kBufReady;
            b->seq = rr.seq;
          } else {
            b->state = kBufFree;
            if (rs < 0) pending_status_ = rs;
            end = rs == kClosed || rs == kProducerDead;
          }
          if (rs != kNoNewFrame) QueueStreamCall();
        }
      } else {
        std::lock_guard<std::mutex> g(smu_);
        pending_status_ = st;
        end = st == kClosed || st == kProducerDead;
        QueueStreamCall();
      }
      rt_.Check();
      if (end) break;
    }
    std::lock_guard<std::mutex> g(smu_);
    stream_running_ = false;
    scv_.notify_all();
  }

  // JS thread: hand the newest Ready buffer to JS (or a status), release the one JS held.
  void OnStream(Napi::Env env) {
    Napi::HandleScope scope(env);
    int st = 0, idx = -1;
    bool requeue = false;
    {
      std::lock_guard<std::mutex> g(smu_);
      cb_queued_ = false;
      if (!streaming_js_ || sbufs_.empty()) return;
      for (size_t i = 0; i < sbufs_.size(); ++i)
        if (sbufs_[i].state == kBufReady && (idx < 0 || sbufs_[i].seq > sbufs_[idx].seq)) idx = static_cast<int>(i);
      if (idx >= 0) {
        for (size_t i = 0; i < sbufs_.size(); ++i) {
          // The previously held buffer goes back; older Ready ones were overtaken (latest-wins).
          if (static_cast<int>(i) != idx && (sbufs_[i].state == kBufHeld || sbufs_[i].state == kBufReady)) sbufs_[i].state = kBufFree;
        }
        StreamBuf& b = sbufs_[idx];
        b.state = kBufHeld;
        // Gap since the last frame JS saw, overtaken frames included.
        if (last_delivered_seq_) b.info[kInfoGap] = static_cast<double>(b.seq - last_delivered_seq_ - 1);
        last_delivered_seq_ = b.seq;
        st = kFrame;
        if (pending_status_) {
          cb_queued_ = true;  // deliver the status right after this frame
          requeue = true;
        }
      } else if (pending_status_) {
        st = pending_status_;
        pending_status_ = 0;
      } else {
        return;  // the Ready buffer was taken back for a newer frame still being copied
      }
    }
    if (requeue) tsfn_.NonBlockingCall(&kStreamTag);
    Napi::Function cb = scb_.Value();
    const bool final_status = st == kClosed || st == kProducerDead;
    if (final_status) EndStream(env);  // the thread has left its loop: stop keeping us alive
    try {
      cb.Call({Napi::Number::New(env, st), Napi::Number::New(env, idx)});
    } catch (const Napi::Error& e) {
      e.ThrowAsJavaScriptException();
    }
  }

  void ThreadMain() {
    // Real-time by default when permitted (realtime.h): the wake-up and copy are the hand-off.
    // Bounded work per request: one futex wait (sleeping) and at most one frame copy, then this
    // thread blocks on wcv_ until JS asks again, so it can never spin or outrun its consumer.
    rt_.Enter(RealtimeWanted(rt_option_), kWaiterRtPriority);
    std::unique_lock<std::mutex> lk(wmu_);
    for (;;) {
      wcv_.wait(lk, [this] { return quit_ || has_req_; });
      if (!has_req_) return;  // quit with nothing pending
      has_req_ = false;
      if (stream_req_) {
        stream_req_ = false;
        lk.unlock();
        StreamLoop();
        lk.lock();
        continue;
      }
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
      rt_.Check();
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
      stream_cancel_.store(true);
      wcv_.notify_one();
      if (r_) r_->WakeAll();
      thread_.join();
      tsfn_.Release();
      thread_started_ = false;
    }
    r_.reset();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    EndStream(info.Env());
    Shutdown();
    return info.Env().Undefined();
  }

  using Tsfn = Napi::TypedThreadSafeFunction<Consumer, void, &Consumer::CallJs>;

  std::unique_ptr<RingReader> r_;
  // Streaming (see Stream): buffer sets and their states under smu_; the loop's liveness in
  // stream_running_ (scv_ signals its end); JS-side references while streaming_js_.
  static inline int kStreamTag = 0;  // its address marks stream calls on the shared TSFN
  std::mutex smu_;
  std::condition_variable scv_;
  std::vector<StreamBuf> sbufs_;
  bool stream_running_ = false, cb_queued_ = false, stream_req_ = false;
  int pending_status_ = 0;
  uint64_t last_delivered_seq_ = 0, stream_timeout_ns_ = 0;
  std::atomic<bool> stream_cancel_{false};
  bool streaming_js_ = false;
  std::vector<Napi::ObjectReference> sbuf_refs_;
  Napi::FunctionReference scb_;
  int rt_option_ = -1;  // -1 default (on when permitted), 0 off, 1 on
  RtGuard rt_;          // the waiter thread's priority state
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
