// Attention for inference: rows at arbitrary positions of different sequences, each
// reading the keys and values of its own sequence from a KV cache. Prefill passes the
// rows of one prompt (positions p0..p0+n-1 of one slot, causal through `pos`);
// decode passes one row per active sequence. GQA as in attention.h: query head h
// reads key/value head h / (NH / NKV). Scores scaled by 1/sqrt(HD).
// Shapes: q, out (N,NH,HD); k_cache, v_cache (S,M,KVD) for S slots of M positions;
// slot, pos (N): row r attends to positions 0..pos[r] of slot slot[r], which the
// caller has already written.
#pragma once

#include <cstddef>

#include "kernels/backend.h"  // DecodeAttentionShape

namespace llmforge::cpu {

void attention_decode(float* out, const float* q, const float* k_cache, const float* v_cache,
                      const int* slot, const int* pos, int n_rows, const DecodeAttentionShape& s);

}  // namespace llmforge::cpu
