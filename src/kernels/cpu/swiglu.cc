#include "kernels/cpu/swiglu.h"

#include <cmath>

namespace llmforge::cpu {

void swiglu_forward(float* h, const float* gate, const float* up, size_t n) {
  // Serial for a decode row or two (cheaper than a parallel region; same bits).
#pragma omp parallel for simd schedule(static) if (parallel : n >= 16384)
  for (size_t i = 0; i < n; ++i) {
    float g = gate[i];
    h[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void swiglu_backward(float* dgate, float* dup, const float* dh, const float* gate,
                     const float* up, size_t n) {
#pragma omp parallel for simd schedule(static)
  for (size_t i = 0; i < n; ++i) {
    float g = gate[i];
    float sig = 1.0f / (1.0f + std::exp(-g));
    float silu = g * sig;
    dup[i] = dh[i] * silu;
    dgate[i] = dh[i] * up[i] * sig * (1.0f + g * (1.0f - sig));
  }
}

}  // namespace llmforge::cpu
