// Token embedding lookup. Shapes: tokens (N), table (V,C), out/dout (N,C).
// Token ids are validated by the caller (the model) before they reach here.
#pragma once

#include <cstdint>

namespace llmforge::cpu {

void embedding_forward(float* out, const int32_t* tokens, const float* table, int n, int c);
// dtable[tokens[i]] += dout[i], in row order (deterministic).
void embedding_backward(float* dtable, const int32_t* tokens, const float* dout, int n, int c);

}  // namespace llmforge::cpu
