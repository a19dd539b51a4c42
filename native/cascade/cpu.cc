// CPU checks, compiled WITHOUT AVX (binding.gyp builds every file with -mavx2 -mfma; this pragma
// takes AVX back out for this file) so that they are safe to call on any x86-64-v2 CPU.
#pragma GCC target("no-avx2,no-fma,no-avx")
#include "cpu.h"

namespace specula {

bool cpuHasAvx2Fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool cpuHasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}

}  // namespace specula
