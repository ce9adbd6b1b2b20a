#include "kernels/cpu/embedding.h"

#include <cstring>

namespace llmforge::cpu {

void embedding_forward(float* out, const int32_t* tokens, const float* table, int n, int c) {
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; ++i) {
    std::memcpy(out + size_t(i) * c, table + size_t(tokens[i]) * c, sizeof(float) * c);
  }
}

void embedding_backward(float* dtable, const int32_t* tokens, const float* dout, int n, int c) {
  // Serial on purpose: repeated tokens would race, and this is a tiny share of a step.
  for (int i = 0; i < n; ++i) {
    float* row = dtable + size_t(tokens[i]) * c;
    const float* d = dout + size_t(i) * c;
#pragma omp simd
    for (int j = 0; j < c; ++j) row[j] += d[j];
  }
}

}  // namespace llmforge::cpu
