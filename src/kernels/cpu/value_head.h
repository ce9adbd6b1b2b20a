// The value head: one scalar per row, values = x w (a linear layer with one output
// and no bias), as RL critics and reward models put on the final hidden states.
// Shapes: x, dx (N,C); w, dw (C); values, dvalues (N).
#pragma once

namespace llmforge::cpu {

void value_head_forward(float* values, const float* x, const float* w, int n, int c);
// dx += dvalues w^T; dw += x^T dvalues (both accumulate), in row order.
void value_head_backward(float* dx, float* dw, const float* dvalues, const float* x,
                         const float* w, int n, int c);

}  // namespace llmforge::cpu
