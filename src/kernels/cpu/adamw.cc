#include "kernels/cpu/adamw.h"

#include <omp.h>

#include <cmath>
#include <vector>

namespace llmforge::cpu {

void adamw_update(float* p, const float* g, float* m, float* v, size_t n, const AdamWHyper& h,
                  long step) {
  const float bc1 = 1.0f - std::pow(h.beta1, float(step));
  const float bc2 = 1.0f - std::pow(h.beta2, float(step));
  const float step_size = h.lr / bc1;
  const float bc2_sqrt = std::sqrt(bc2);
  const float decay = 1.0f - h.lr * h.weight_decay;
  const bool has_decay = h.weight_decay != 0.0f;
#pragma omp parallel for simd schedule(static)
  for (size_t i = 0; i < n; ++i) {
    float pi = has_decay ? p[i] * decay : p[i];
    float mi = m[i] * h.beta1 + (1.0f - h.beta1) * g[i];
    float vi = v[i] * h.beta2 + (1.0f - h.beta2) * g[i] * g[i];
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - step_size * (mi / (std::sqrt(vi) / bc2_sqrt + h.eps));
  }
}

double sum_squares(const float* g, size_t n) {
  int n_threads = omp_get_max_threads();
  std::vector<double> partial(n_threads, 0.0);
#pragma omp parallel num_threads(n_threads)
  {
    double s = 0.0;
#pragma omp for schedule(static)
    for (size_t i = 0; i < n; ++i) s += double(g[i]) * g[i];
    partial[omp_get_thread_num()] = s;
  }
  double total = 0.0;
  for (double s : partial) total += s;
  return total;
}

void scale_inplace(float* x, size_t n, float s) {
#pragma omp parallel for simd schedule(static)
  for (size_t i = 0; i < n; ++i) x[i] *= s;
}

}  // namespace llmforge::cpu
