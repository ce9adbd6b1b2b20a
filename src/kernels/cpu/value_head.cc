#include "kernels/cpu/value_head.h"

#include <cstddef>

namespace llmforge::cpu {

void value_head_forward(float* values, const float* x, const float* w, int n, int c) {
#pragma omp parallel for schedule(static)
  for (int r = 0; r < n; ++r) {
    float s = 0.0f;
    for (int j = 0; j < c; ++j) s += x[size_t(r) * c + j] * w[j];
    values[r] = s;
  }
}

void value_head_backward(float* dx, float* dw, const float* dvalues, const float* x,
                         const float* w, int n, int c) {
  // One thread: dw sums over rows, and a fixed order keeps it deterministic (the
  // head is C floats per row, negligible next to the LM head).
  for (int r = 0; r < n; ++r) {
    const float dv = dvalues[r];
    for (int j = 0; j < c; ++j) {
      dx[size_t(r) * c + j] += dv * w[j];
      dw[j] += dv * x[size_t(r) * c + j];
    }
  }
}

}  // namespace llmforge::cpu
