// AdamW with decoupled weight decay and bias correction, written exactly in the
// order PyTorch's torch.optim.AdamW (foreach=False) computes it, so that our steps
// match it to float rounding:
//   p *= 1 - lr * wd
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Shapes: p, g, m, v (N). `step` counts from 1.
#pragma once

#include <cstddef>

#include "kernels/backend.h"  // AdamWHyper

namespace llmforge::cpu {

void adamw_update(float* p, const float* g, float* m, float* v, size_t n, const AdamWHyper& h,
                  long step);

// Sum of squares of g (N), accumulated in double with a fixed reduction order for
// a given thread count.
double sum_squares(const float* g, size_t n);
void scale_inplace(float* x, size_t n, float s);

}  // namespace llmforge::cpu
