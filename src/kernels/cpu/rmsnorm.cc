#include "kernels/cpu/rmsnorm.h"

#include <omp.h>

#include <cmath>
#include <vector>

namespace llmforge::cpu {

void rmsnorm_forward(float* y, float* rstd, const float* x, const float* w, int n, int c,
                     float eps) {
  // One decode row is far less work than waking the thread team (inference runs ~100
  // small ops per token); rows are independent, so the results are the same bits.
#pragma omp parallel for schedule(static) if (size_t(n) * c >= 16384)
  for (int i = 0; i < n; ++i) {
    const float* xi = x + size_t(i) * c;
    float* yi = y + size_t(i) * c;
    float ss = 0.0f;
#pragma omp simd reduction(+ : ss)
    for (int j = 0; j < c; ++j) ss += xi[j] * xi[j];
    float r = 1.0f / std::sqrt(ss / c + eps);
    rstd[i] = r;
#pragma omp simd
    for (int j = 0; j < c; ++j) yi[j] = w[j] * (xi[j] * r);
  }
}

void rmsnorm_backward(float* dx, float* dw, const float* dy, const float* x, const float* w,
                      const float* rstd, int n, int c) {
  // dw sums over rows: each thread sums its static block of rows into its own
  // buffer and the buffers are added in thread order, so results are bitwise
  // reproducible for a given thread count.
  int n_threads = omp_get_max_threads();
  std::vector<float> partial(size_t(n_threads) * c, 0.0f);
#pragma omp parallel num_threads(n_threads)
  {
    float* my_dw = partial.data() + size_t(omp_get_thread_num()) * c;
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) {
      const float* xi = x + size_t(i) * c;
      const float* dyi = dy + size_t(i) * c;
      float* dxi = dx + size_t(i) * c;
      float r = rstd[i];
      // xhat = x r; dxhat = dy w; dx = r (dxhat - xhat mean(dxhat xhat))
      float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
      for (int j = 0; j < c; ++j) dot += dyi[j] * w[j] * xi[j];
      float coef = dot * r * r * r / c;
#pragma omp simd
      for (int j = 0; j < c; ++j) {
        dxi[j] += r * dyi[j] * w[j] - coef * xi[j];
        my_dw[j] += dyi[j] * xi[j] * r;
      }
    }
  }
  for (int t = 0; t < n_threads; ++t) {
    const float* p = partial.data() + size_t(t) * c;
    for (int j = 0; j < c; ++j) dw[j] += p[j];
  }
}

}  // namespace llmforge::cpu
