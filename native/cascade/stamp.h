// Non-allocating stage clock for the TypeScript runner (see stamp.cc).
#pragma once
#include <node_api.h>

namespace specula {

/** CLOCK_MONOTONIC in milliseconds (the engine's monotonicNs() / 1e6). */
double MonotonicMs();

/** Adds `stampMs(out: Float64Array, index: number): void` to the module's exports. */
void InitStamp(napi_env env, napi_value exports);

}  // namespace specula
