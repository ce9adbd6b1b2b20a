#include "kernels/cpu/kv_cache.h"

#include <cstddef>
#include <cstring>

namespace llmforge::cpu {

void kv_cache_write(float* k_cache, float* v_cache, const float* k, const float* v,
                    const int* slot, const int* pos, int n_rows, int kv_dim, int max_len) {
  const size_t KVD = size_t(kv_dim);
  for (int r = 0; r < n_rows; ++r) {
    const size_t at = (size_t(slot[r]) * max_len + pos[r]) * KVD;
    std::memcpy(k_cache + at, k + size_t(r) * KVD, sizeof(float) * KVD);
    std::memcpy(v_cache + at, v + size_t(r) * KVD, sizeof(float) * KVD);
  }
}

}  // namespace llmforge::cpu
