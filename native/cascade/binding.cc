// N-API binding of the fast path: class RefCascade wraps specula::RefKernel.
// JS contract (typed in src/native/cascade-fast-addon.ts):
//   new RefCascade(params)                  -> validates, allocates everything once; params.hilbert /
//                                              sosfilt / nlms = false switch S4 / S5 / S6 off
//   bind({x, xw, logmag, env, y, e, dec: Float32Array, u8: Uint8Array}) -> output targets (sizes checked;
//                                              outputs of switched-off stages are refused)
//   setStageOrder(order: number[7])          -> kernel stage k reports into stageMs[order[k]] (-1: nowhere)
//   run(raw: Uint16Array, ref: Uint16Array | null, mask: number, stageMs: Float64Array(>max order),
//       totalMs?: Float64Array(>=1))        -> void, no allocation; ref may be null without S6
//   stampMs(out: Float64Array, index)         -> void: out[index] = CLOCK_MONOTONIC ms (stamp.cc)
// Output targets are held by persistent references; their data pointers are re-read on every run
// (V8 may move small on-heap typed arrays, so a raw pointer must never be cached).
// Compiled WITHOUT AVX (the gyp flags add -mavx2 -mfma to every file): module init and the CPU
// check must run on any x86-64-v2 CPU, so that a CPU without AVX2 gets "unavailable", not SIGILL.
#pragma GCC target("no-avx2,no-fma,no-avx")
#include <napi.h>

#include <time.h>

#include <cstring>
#include <memory>
#include <string>

#include "cpu.h"
#include "ref_kernel.h"
#include "stamp.h"

using specula::RefKernel;
using specula::RefOutputs;
using specula::RefParams;

namespace {

const char* const kOutNames[] = {"x", "xw", "logmag", "env", "y", "e", "dec", "u8"};
constexpr int kOutCount = 8;

[[noreturn]] void throwType(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
[[noreturn]] void throwRange(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

double numberField(Napi::Object o, const char* key, double def, bool required = false) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) {
    if (required) throwType(o.Env(), std::string("RefCascade params.") + key + " is required");
    return def;
  }
  if (!v.IsNumber()) throwType(o.Env(), std::string("RefCascade params.") + key + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

int intField(Napi::Object o, const char* key, int def, bool required = false) {
  const double d = numberField(o, key, def, required);
  if (d != static_cast<double>(static_cast<long long>(d)) || d < -2147483648.0 || d > 2147483647.0)
    throwRange(o.Env(), std::string("RefCascade params.") + key + " must be an integer, got " + std::to_string(d));
  return static_cast<int>(d);
}

bool boolField(Napi::Object o, const char* key, bool def) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return def;
  if (!v.IsBoolean()) throwType(o.Env(), std::string("RefCascade params.") + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

/** Output slot i (kOutNames) -> the kernel stage producing it. */
constexpr int kOutStage[kOutCount] = {specula::kS1, specula::kS2, specula::kS3, specula::kS4,
                                      specula::kS5, specula::kS6, specula::kS7, specula::kS7};
const char* const kStageNames[specula::kStageCount] = {"background (S1)", "window (S2)", "rfft (S3)", "hilbert (S4)",
                                                       "sosfilt (S5)", "nlms (S6)", "decimate-level (S7)"};

class RefCascade : public Napi::ObjectWrap<RefCascade> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "RefCascade",
                       {InstanceMethod<&RefCascade::Bind>("bind"), InstanceMethod<&RefCascade::Run>("run"),
                        InstanceMethod<&RefCascade::SetStageOrder>("setStageOrder"),
                        InstanceMethod<&RefCascade::Isa>("isa"),
                        InstanceMethod<&RefCascade::Dispose>("dispose")});
  }

  explicit RefCascade(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RefCascade>(info) {
    Napi::Env env = info.Env();
    if (!specula::cpuHasAvx2Fma()) throw Napi::Error::New(env, "specula_cascade: this CPU lacks AVX2/FMA; the fast path is unavailable");
    if (info.Length() < 1 || !info[0].IsObject()) throwType(env, "RefCascade(params): params must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    RefParams p;
    p.lines = intField(o, "lines", 0, true);
    p.samples = intField(o, "samples", 0, true);
    p.hilbert = boolField(o, "hilbert", p.hilbert);
    p.sosfilt = boolField(o, "sosfilt", p.sosfilt);
    p.nlms = boolField(o, "nlms", p.nlms);
    Napi::Value sos = o.Get("sos");
    if (!p.sosfilt && sos.IsUndefined()) sos = Napi::Array::New(env);  // no S5: sos is not needed
    if (!sos.IsArray()) throwType(env, "RefCascade params.sos must be an array of [b0,b1,b2,a0,a1,a2] rows");
    Napi::Array rows = sos.As<Napi::Array>();
    for (uint32_t i = 0; i < rows.Length(); ++i) {
      Napi::Value r = rows.Get(i);
      if (!r.IsArray() || r.As<Napi::Array>().Length() != 6)
        throwType(env, "RefCascade params.sos[" + std::to_string(i) + "] must be an array of 6 numbers");
      Napi::Array ra = r.As<Napi::Array>();
      for (uint32_t j = 0; j < 6; ++j) {
        Napi::Value c = ra.Get(j);
        if (!c.IsNumber()) throwType(env, "RefCascade params.sos[" + std::to_string(i) + "][" + std::to_string(j) + "] must be a number");
        p.sos.push_back(c.As<Napi::Number>().DoubleValue());
      }
    }
    p.taps = intField(o, "taps", p.taps);
    p.mu = numberField(o, "mu", p.mu);
    p.eps = numberField(o, "eps", p.eps);
    p.floor = numberField(o, "floor", p.floor);
    p.refOffset = numberField(o, "refOffset", p.refOffset);
    p.loDb = numberField(o, "loDb", p.loDb);
    p.hiDb = numberField(o, "hiDb", p.hiDb);
    p.outLines = intField(o, "outLines", p.outLines);
    p.outSamples = intField(o, "outSamples", p.outSamples);
    p.db = numberField(o, "db", p.db);
    p.sampleStart = intField(o, "sampleStart", p.sampleStart);
    p.sampleEnd = intField(o, "sampleEnd", p.sampleEnd);
    try {
      kernel_ = std::make_unique<RefKernel>(p);
    } catch (const std::invalid_argument& e) {
      throwRange(env, std::string("RefCascade params: ") + e.what());
    }
    const long L = p.lines, N = p.samples, K = N / 2 + 1;
    const long sizes[kOutCount] = {L * N, L * N, L * K, L * N, L * N, L * N, static_cast<long>(p.outLines) * p.outSamples,
                                   static_cast<long>(p.outLines) * p.outSamples};
    std::memcpy(outLen_, sizes, sizeof sizes);
    frameLen_ = L * N;
  }

 private:
  // bind(outputs): every key optional; a given key must be the right typed array with exactly the right length
  Napi::Value Bind(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throwType(env, "RefCascade.bind(outputs): outputs must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    Napi::Reference<Napi::TypedArray> next[kOutCount];
    for (int i = 0; i < kOutCount; ++i) {
      Napi::Value v = o.Get(kOutNames[i]);
      if (v.IsUndefined() || v.IsNull()) continue;
      const napi_typedarray_type want = i == 7 ? napi_uint8_array : napi_float32_array;
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != want)
        throwType(env, std::string("RefCascade.bind: outputs.") + kOutNames[i] + " must be a " + (i == 7 ? "Uint8Array" : "Float32Array"));
      if (!kernel_ || !kernel_->hasStage(kOutStage[i]))
        throwRange(env, std::string("RefCascade.bind: outputs.") + kOutNames[i] + ": this kernel has no " +
                            kStageNames[kOutStage[i]] + " stage (switched off in its params)");
      Napi::TypedArray ta = v.As<Napi::TypedArray>();
      if (static_cast<long>(ta.ElementLength()) != outLen_[i])
        throwRange(env, std::string("RefCascade.bind: outputs.") + kOutNames[i] + " must hold " + std::to_string(outLen_[i]) +
                            " elements, got " + std::to_string(ta.ElementLength()));
      next[i] = Napi::Persistent(ta);
    }
    for (int i = 0; i < kOutCount; ++i) out_[i] = std::move(next[i]);
    return env.Undefined();
  }

  const uint16_t* frameArg(const Napi::CallbackInfo& info, int i, const char* name) {
    Napi::Env env = info.Env();
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array)
      throwType(env, std::string("RefCascade.run: ") + name + " must be a Uint16Array");
    Napi::TypedArray ta = info[i].As<Napi::TypedArray>();
    if (static_cast<long>(ta.ElementLength()) != frameLen_)
      throwRange(env, std::string("RefCascade.run: ") + name + " must hold lines*samples = " + std::to_string(frameLen_) +
                          " elements, got " + std::to_string(ta.ElementLength()));
    return reinterpret_cast<const uint16_t*>(static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
  }

  void* outPtr(int i) {
    if (out_[i].IsEmpty()) return nullptr;
    Napi::TypedArray ta = out_[i].Value();
    return static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  }

  // setStageOrder(order): kernel stage k's time goes to stageMs[order[k]] (the cascade's run order),
  // so the JS side copies nothing per frame.
  Napi::Value SetStageOrder(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsArray()) throwType(env, "RefCascade.setStageOrder(order): order must be an array of 7 indices");
    Napi::Array a = info[0].As<Napi::Array>();
    if (a.Length() != specula::kStageCount) throwRange(env, "RefCascade.setStageOrder: order must hold exactly 7 indices");
    int next[specula::kStageCount];
    int need = 0;
    for (uint32_t k = 0; k < a.Length(); ++k) {
      Napi::Value v = a.Get(k);
      if (!v.IsNumber()) throwType(env, "RefCascade.setStageOrder: order[" + std::to_string(k) + "] must be a number");
      const double d = v.As<Napi::Number>().DoubleValue();
      if (d != static_cast<int>(d) || d < -1 || d >= specula::kStageCount)
        throwRange(env, "RefCascade.setStageOrder: order[" + std::to_string(k) + "] must be an integer in [-1, 7)");
      next[k] = static_cast<int>(d);
      if (next[k] + 1 > need) need = next[k] + 1;
    }
    std::memcpy(order_, next, sizeof next);
    msLen_ = need;
    return env.Undefined();
  }

  // run(raw, ref, mask, stageMs[, totalMs])
  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!kernel_) throw Napi::Error::New(env, "RefCascade.run: disposed");
    if (info.Length() < 4) throwType(env, "RefCascade.run(raw, ref, mask, stageMs): 4 arguments required");
    const uint16_t* raw = frameArg(info, 0, "raw");
    // the reference channel is read by S6 only: a kernel without it takes null/undefined
    const bool noRef = !kernel_->hasStage(specula::kS6) && (info[1].IsNull() || info[1].IsUndefined());
    const uint16_t* ref = noRef ? nullptr : frameArg(info, 1, "ref");
    if (!info[2].IsNumber()) throwType(env, "RefCascade.run: mask must be a number");
    const uint32_t mask = info[2].As<Napi::Number>().Uint32Value();
    if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      throwType(env, "RefCascade.run: stageMs must be a Float64Array");
    Napi::TypedArray ms = info[3].As<Napi::TypedArray>();
    if (static_cast<long>(ms.ElementLength()) < msLen_)
      throwRange(env, "RefCascade.run: stageMs must hold at least " + std::to_string(msLen_) + " elements (see setStageOrder)");
    void* p[kOutCount];
    for (int i = 0; i < kOutCount; ++i) {
      p[i] = (mask >> i) & 1 ? outPtr(i) : nullptr;
      if (((mask >> i) & 1) && !p[i]) throwRange(env, std::string("RefCascade.run: mask asks for ") + kOutNames[i] + " but no such output is bound");
    }
    RefOutputs o;
    o.x = static_cast<float*>(p[0]);
    o.xw = static_cast<float*>(p[1]);
    o.logmag = static_cast<float*>(p[2]);
    o.env = static_cast<float*>(p[3]);
    o.y = static_cast<float*>(p[4]);
    o.e = static_cast<float*>(p[5]);
    o.dec = static_cast<float*>(p[6]);
    o.u8 = static_cast<uint8_t*>(p[7]);
    double* totalp = nullptr;
    if (info.Length() > 4 && !info[4].IsUndefined()) {
      if (!info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
          info[4].As<Napi::TypedArray>().ElementLength() < 1)
        throwType(env, "RefCascade.run: totalMs must be a Float64Array of at least 1 element");
      Napi::TypedArray tt = info[4].As<Napi::TypedArray>();
      totalp = reinterpret_cast<double*>(static_cast<uint8_t*>(tt.ArrayBuffer().Data()) + tt.ByteOffset());
    }
    double* msp = reinterpret_cast<double*>(static_cast<uint8_t*>(ms.ArrayBuffer().Data()) + ms.ByteOffset());
    timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double kms[specula::kStageCount];
    kernel_->run(raw, ref, o, kms);
    for (int k = 0; k < specula::kStageCount; ++k)
      if (order_[k] >= 0) msp[order_[k]] = kms[k];
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (totalp) *totalp = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) * 1e-6;
    return env.Undefined();
  }

  // isa(): which kernels this instance runs ("avx512" or "avx2"; chosen at construction)
  Napi::Value Isa(const Napi::CallbackInfo& info) {
    if (!kernel_) throw Napi::Error::New(info.Env(), "RefCascade.isa: disposed");
    return Napi::String::New(info.Env(), kernel_->isa());
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    kernel_.reset();
    for (auto& r : out_) r.Reset();
    return info.Env().Undefined();
  }

  std::unique_ptr<RefKernel> kernel_;
  Napi::Reference<Napi::TypedArray> out_[kOutCount];
  long outLen_[kOutCount] = {};
  long frameLen_ = 0;
  int order_[specula::kStageCount] = {0, 1, 2, 3, 4, 5, 6};
  long msLen_ = specula::kStageCount;  // stageMs must hold max(order_) + 1 elements
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const bool ok = specula::cpuHasAvx2Fma();
  exports.Set("available", Napi::Boolean::New(env, ok));
  exports.Set("simd", Napi::String::New(env, !ok ? "none" : specula::cpuHasAvx512() ? "avx512f+avx512dq (16 lines per vector)" : "avx2+fma (8 lines per vector)"));
  exports.Set("unavailableReason", ok ? env.Null() : Napi::String::New(env, "CPU lacks AVX2/FMA").As<Napi::Value>());
  exports.Set("stageCount", Napi::Number::New(env, specula::kStageCount));
  exports.Set("RefCascade", RefCascade::Define(env));
  // the TS runner's stage clock: exported on every CPU (it needs no AVX)
  specula::InitStamp(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(specula_cascade, Init)
