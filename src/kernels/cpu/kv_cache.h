// Writes keys and values of new rows into a layer's KV cache. Shapes: k, v (N,KVD);
// k_cache, v_cache (S,M,KVD); row r goes to position pos[r] of slot slot[r].
#pragma once

namespace llmforge::cpu {

void kv_cache_write(float* k_cache, float* v_cache, const float* k, const float* v,
                    const int* slot, const int* pos, int n_rows, int kv_dim, int max_len);

}  // namespace llmforge::cpu
