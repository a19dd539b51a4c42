// Small helpers shared by the N-API wrappers: argument checks that throw TypeError/RangeError
// naming the argument, typed-array access without copies, and C++ → JS exception mapping.
#pragma once
#ifndef NAPI_CPP_EXCEPTIONS
#define NAPI_CPP_EXCEPTIONS
#endif
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>

namespace specula {

/** Runs `fn`, turning std::invalid_argument → TypeError, std::out_of_range → RangeError,
 *  other std::exception → Error (OS errors carry strerror in their message). */
template <typename Fn>
auto Guard(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw Napi::TypeError::New(env, e.what());
  } catch (const std::out_of_range& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

inline std::string ArgString(const Napi::Value& v, const char* name) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), std::string(name) + ": expected a string");
  return v.As<Napi::String>().Utf8Value();
}

inline double ArgNumber(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(name) + ": expected a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw Napi::RangeError::New(v.Env(), std::string(name) + ": must be finite");
  return d;
}

inline std::string FormatNumber(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

/** An integer in [lo, hi]; `dflt` when undefined and `has_default`. */
inline int64_t ArgInt(const Napi::Value& v, const char* name, int64_t lo, int64_t hi, bool has_default = false, int64_t dflt = 0) {
  if (has_default && (v.IsUndefined() || v.IsNull())) return dflt;
  const double d = ArgNumber(v, name);
  if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    throw Napi::RangeError::New(v.Env(), std::string(name) + ": must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + FormatNumber(d));
  }
  return static_cast<int64_t>(d);
}

inline Napi::Object ArgObject(const Napi::Value& v, const char* name) {
  if (!v.IsObject() || v.IsArray() || v.IsFunction()) throw Napi::TypeError::New(v.Env(), std::string(name) + ": expected an options object");
  return v.As<Napi::Object>();
}

/** Bytes of an ArrayBufferView (any TypedArray or DataView), without copying. */
struct ViewBytes {
  uint8_t* data = nullptr;
  size_t length = 0;
};

inline ViewBytes ArgView(const Napi::Value& v, const char* name) {
  ViewBytes out;
  if (v.IsTypedArray()) {
    auto ta = v.As<Napi::TypedArray>();
    out.data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    out.length = ta.ByteLength();
  } else if (v.IsDataView()) {
    auto dv = v.As<Napi::DataView>();
    out.data = static_cast<uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset();
    out.length = dv.ByteLength();
  } else {
    throw Napi::TypeError::New(v.Env(), std::string(name) + ": expected a TypedArray or DataView");
  }
  return out;
}

/** A Float64Array of at least `min_len` elements. */
inline double* ArgF64(const Napi::Value& v, const char* name, size_t min_len) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(v.Env(), std::string(name) + ": expected a Float64Array");
  }
  auto ta = v.As<Napi::Float64Array>();
  if (ta.ElementLength() < min_len) {
    throw Napi::RangeError::New(v.Env(), std::string(name) + ": needs at least " + std::to_string(min_len) + " elements, got " + std::to_string(ta.ElementLength()));
  }
  return ta.Data();
}

/** Per-environment constructors of the wrapped classes. */
struct AddonData {
  Napi::FunctionReference producer_ctor;
  Napi::FunctionReference consumer_ctor;
  Napi::FunctionReference driver_ctor;
  // Live objects that own shared memory or threads, closed by the environment cleanup hook so a
  // clean exit unlinks its rings even when JS never called close().
  std::set<class DriverHost*> hosts;
  std::set<class RingWriter*> writers;
};

inline AddonData* GetAddonData(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

}  // namespace specula
