// RMSNorm as in Hugging Face's LlamaRMSNorm: y = w * x / sqrt(mean(x^2) + eps).
// Shapes: x, y, dy, dx (N,C); w, dw (C); rstd (N) saved for the backward pass.
#pragma once

namespace llmforge::cpu {

void rmsnorm_forward(float* y, float* rstd, const float* x, const float* w, int n, int c,
                     float eps);
// dx += d/dx; dw += d/dw (both accumulate: dx is the residual stream's gradient).
void rmsnorm_backward(float* dx, float* dw, const float* dy, const float* x, const float* w,
                      const float* rstd, int n, int c);

}  // namespace llmforge::cpu
