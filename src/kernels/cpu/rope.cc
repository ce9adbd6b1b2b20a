#include "kernels/cpu/rope.h"

#include <cmath>

#include "core/error.h"

namespace llmforge::cpu {

void rope_table(float* cos, float* sin, const int* positions, int n_pos, int head_dim,
                float theta) {
  const int half = head_dim / 2;
  for (int i = 0; i < half; ++i) {
    // HF: inv_freq = 1 / theta^(arange(0, hd, 2).float() / hd), all in fp32.
    float inv_freq = 1.0f / std::pow(theta, float(2 * i) / float(head_dim));
    for (int p = 0; p < n_pos; ++p) {
      float angle = float(positions[p]) * inv_freq;
      cos[size_t(p) * half + i] = std::cos(angle);
      sin[size_t(p) * half + i] = std::sin(angle);
    }
  }
}

static void rotate(float* x, const RopeTable& table, int b, int t, int n_head, int head_dim,
                   float sign) {
  LLMF_CHECK(t <= table.n_pos && head_dim / 2 == table.half) << "rope table too small";
  int half = head_dim / 2;
  // Serial for a few decode rows (cheaper than a parallel region; same bits).
#pragma omp parallel for collapse(2) schedule(static) if (size_t(b) * t * n_head * head_dim >= 16384)
  for (int bi = 0; bi < b; ++bi) {
    for (int ti = 0; ti < t; ++ti) {
      const float* c = table.cos + size_t(ti) * half;
      const float* s = table.sin + size_t(ti) * half;
      for (int h = 0; h < n_head; ++h) {
        float* v = x + ((size_t(bi) * t + ti) * n_head + h) * head_dim;
#pragma omp simd
        for (int i = 0; i < half; ++i) {
          float x1 = v[i], x2 = v[i + half], sn = sign * s[i];
          v[i] = x1 * c[i] - x2 * sn;
          v[i + half] = x2 * c[i] + x1 * sn;
        }
      }
    }
  }
}

void rope_forward(float* x, const RopeTable& table, int b, int t, int n_head, int head_dim) {
  rotate(x, table, b, t, n_head, head_dim, 1.0f);
}

void rope_backward(float* dx, const RopeTable& table, int b, int t, int n_head, int head_dim) {
  rotate(dx, table, b, t, n_head, head_dim, -1.0f);
}

}  // namespace llmforge::cpu
