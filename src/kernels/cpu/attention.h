// Causal multi-head attention with grouped-query attention (GQA): query head h reads
// key/value head h / (n_head / n_kv_head), as HF's repeat_kv does. Scores are scaled
// by 1/sqrt(head_dim). Only the log-sum-exp of each score row is saved; the
// backward pass recomputes the probabilities (as flash attention does), so memory
// stays O(T) per head instead of O(T^2).
// Shapes: q, out, dq, dout (B,T,NH,HD); k, v, dk, dv (B,T,NKV,HD); lse (B,NH,T).
#pragma once

#include "kernels/backend.h"  // AttentionShape

namespace llmforge::cpu {

void attention_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                       const AttentionShape& s);
// dq, dk, dv are overwritten.
void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* q,
                        const float* k, const float* v, const float* out, const float* lse,
                        const AttentionShape& s);

}  // namespace llmforge::cpu
