// The KV cache: keys and values of every layer for a fixed number of sequence slots,
// preallocated once (L x S x M x KVD floats each for K and V) in the kernel
// backend's memory, so that decoding never allocates. A slot holds one sequence;
// its positions 0..len-1 are valid. Slots are handed out and returned by the caller
// (BatchGenerator); the cache only stores, and rows are written through
// KernelBackend::kv_cache_write.
#pragma once

#include <cstddef>

#include "kernels/backend.h"
#include "kernels/device_array.h"

namespace llmforge {

class KvCache {
 public:
  KvCache(int n_layers, int n_slots, int max_len, int kv_dim,
          const KernelBackend& kernels = cpu_backend());

  int n_slots() const { return n_slots_; }
  int max_len() const { return max_len_; }
  int kv_dim() const { return kv_dim_; }
  // (S, M, KVD) for one layer, in backend memory.
  float* k(int layer) { return k_.data() + size_t(layer) * layer_floats(); }
  float* v(int layer) { return v_.data() + size_t(layer) * layer_floats(); }
  const float* k(int layer) const { return k_.data() + size_t(layer) * layer_floats(); }
  const float* v(int layer) const { return v_.data() + size_t(layer) * layer_floats(); }
  size_t bytes() const { return k_.bytes() + v_.bytes(); }

 private:
  size_t layer_floats() const { return size_t(n_slots_) * max_len_ * kv_dim_; }
  int n_layers_, n_slots_, max_len_, kv_dim_;
  DeviceArray<float> k_, v_;
};

}  // namespace llmforge
