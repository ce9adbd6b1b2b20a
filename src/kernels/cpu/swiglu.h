// SwiGLU: h = silu(gate) * up, silu(g) = g * sigmoid(g). Shapes: all (N) flat.
#pragma once

#include <cstddef>

namespace llmforge::cpu {

void swiglu_forward(float* h, const float* gate, const float* up, size_t n);
// dgate, dup are overwritten.
void swiglu_backward(float* dgate, float* dup, const float* dh, const float* gate,
                     const float* up, size_t n);

}  // namespace llmforge::cpu
