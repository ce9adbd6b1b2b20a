#include "kernels/cpu/cross_entropy.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace llmforge::cpu {

static float row_logsumexp(const float* z, int v) {
  float m = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : m)
  for (int j = 0; j < v; ++j) m = z[j] > m ? z[j] : m;
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int j = 0; j < v; ++j) s += std::exp(z[j] - m);
  return m + std::log(s);
}

void cross_entropy_forward_backward(float* logits, float* losses, const int32_t* targets,
                                    const float* weights, float grad_scale, int r, int v) {
#pragma omp parallel for schedule(static)
  for (int i = 0; i < r; ++i) {
    float* z = logits + size_t(i) * v;
    float w = weights ? weights[i] : 1.0f;
    int target = targets[i];
    if (w == 0.0f || target < 0) {
      losses[i] = 0.0f;
      if (grad_scale != 0.0f) std::memset(z, 0, sizeof(float) * v);
      continue;
    }
    float lse = row_logsumexp(z, v);
    losses[i] = lse - z[target];
    if (grad_scale == 0.0f) continue;
    float scale = w * grad_scale;
#pragma omp simd
    for (int j = 0; j < v; ++j) z[j] = std::exp(z[j] - lse) * scale;
    z[target] -= scale;
  }
}

}  // namespace llmforge::cpu
