#include "infer/kv_cache.h"

#include "core/error.h"

namespace llmforge {

KvCache::KvCache(int n_layers, int n_slots, int max_len, int kv_dim, const KernelBackend& kernels)
    : n_layers_(n_layers), n_slots_(n_slots), max_len_(max_len), kv_dim_(kv_dim) {
  if (n_slots <= 0 || max_len <= 0) {
    ErrorBuilder("infer") << "KV cache needs at least one slot and one position (got " << n_slots
                          << " slots of " << max_len << ")";
  }
  const size_t n = size_t(n_layers) * n_slots * max_len * kv_dim;
  k_.reset(kernels, n);  // zeroed
  v_.reset(kernels, n);
}

}  // namespace llmforge
