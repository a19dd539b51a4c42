// Run-time CPU feature checks of the fast path.
#pragma once

namespace specula {

/** True when this CPU can run the AVX2+FMA kernel. */
bool cpuHasAvx2Fma();
/** True when the CPU and OS support AVX-512F and AVX-512DQ (the 16-lane kernel). */
bool cpuHasAvx512();

}  // namespace specula
