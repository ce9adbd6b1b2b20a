// Rotary position embedding, Hugging Face Llama "rotate-half" convention: for a head
// of size hd (even) and i < hd/2, with angle = pos * theta^(-2i/hd):
//   out[i]        = x[i] cos - x[i + hd/2] sin
//   out[i + hd/2] = x[i + hd/2] cos + x[i] sin
// Shapes: x (B,T,H,hd) in place; positions (T) per sequence, shared by the batch.
#pragma once

#include "kernels/backend.h"  // RopeTable

namespace llmforge::cpu {

// cos, sin (n_pos, hd/2) for the given positions, computed like HF does in fp32.
void rope_table(float* cos, float* sin, const int* positions, int n_pos, int head_dim,
                float theta);

void rope_forward(float* x, const RopeTable& table, int b, int t, int n_head, int head_dim);
// The rotation is orthogonal: the backward pass rotates by -angle, in place on dx.
void rope_backward(float* dx, const RopeTable& table, int b, int t, int n_head, int head_dim);

}  // namespace llmforge::cpu
