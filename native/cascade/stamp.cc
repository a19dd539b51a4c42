// stampMs(out: Float64Array, index: number): void — writes CLOCK_MONOTONIC in milliseconds into
// out[index]. The TypeScript runner times its stages with it: performance.now() returns a freshly
// boxed double (a young-heap allocation per call); a stamp written into a typed array allocates
// nothing. Same clock as the engine's monotonicNs() (native/src/clock.h): ms = ns / 1e6.
//
// Plain N-API (no node-addon-api objects) to keep the call at the bare minimum, and compiled
// WITHOUT AVX like binding.cc: the TypeScript path uses this clock on every CPU, including those
// where the SIMD kernel is unavailable.
#pragma GCC target("no-avx2,no-fma,no-avx")
#include "stamp.h"

#include <time.h>

namespace specula {
namespace {

void throwError(napi_env env, bool range, const char* msg) {
  if (range) napi_throw_range_error(env, nullptr, msg);
  else napi_throw_type_error(env, nullptr, msg);
}

napi_value StampMs(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  bool isTa = false;
  if (argc < 2 || napi_is_typedarray(env, argv[0], &isTa) != napi_ok || !isTa) {
    throwError(env, false, "stampMs(out, index): out must be a Float64Array");
    return nullptr;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  // The first call on a small on-heap typed array moves its storage off-heap once (V8
  // "materialises" the ArrayBuffer); every later call reads the pointer without allocating.
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float64_array) {
    throwError(env, false, "stampMs(out, index): out must be a Float64Array");
    return nullptr;
  }
  int32_t index = -1;
  napi_valuetype vt;
  if (napi_typeof(env, argv[1], &vt) != napi_ok || vt != napi_number ||
      napi_get_value_int32(env, argv[1], &index) != napi_ok || index < 0 ||
      static_cast<size_t>(index) >= length) {
    throwError(env, true, "stampMs(out, index): index must be an integer within out's length");
    return nullptr;
  }
  static_cast<double*>(data)[index] = MonotonicMs();
  return nullptr;  // undefined
}

}  // namespace

double MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  // Split so that the ms value keeps ns resolution: tv_sec·1e3 is exact, tv_nsec·1e-6 adds < 1e3.
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

void InitStamp(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "stampMs", NAPI_AUTO_LENGTH, StampMs, nullptr, &fn) == napi_ok)
    napi_set_named_property(env, exports, "stampMs", fn);
}

}  // namespace specula
