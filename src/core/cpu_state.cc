#include "core/cpu_state.h"

#include <omp.h>
#include <xmmintrin.h>

namespace llmforge {

void enable_flush_denormals() {
  // 0x8040 = FTZ (bit 15) | DAZ (bit 6) in MXCSR.
#pragma omp parallel
  _mm_setcsr(_mm_getcsr() | 0x8040);
  _mm_setcsr(_mm_getcsr() | 0x8040);
}

}  // namespace llmforge
