// The KV cache: keys and values of every layer for a fixed number of sequence slots,
// preallocated once (L x S x M x KVD floats each for K and V) so that decoding never
// allocates. A slot holds one sequence; its positions 0..len-1 are valid. Slots are
// handed out and returned by the caller (BatchGenerator); the cache only stores.
#pragma once

#include <cstddef>
#include <vector>

namespace llmforge {

class KvCache {
 public:
  KvCache(int n_layers, int n_slots, int max_len, int kv_dim);

  int n_slots() const { return n_slots_; }
  int max_len() const { return max_len_; }
  int kv_dim() const { return kv_dim_; }
  // (S, M, KVD) for one layer.
  float* k(int layer) { return k_.data() + size_t(layer) * layer_floats(); }
  float* v(int layer) { return v_.data() + size_t(layer) * layer_floats(); }
  const float* k(int layer) const { return k_.data() + size_t(layer) * layer_floats(); }
  const float* v(int layer) const { return v_.data() + size_t(layer) * layer_floats(); }
  size_t bytes() const { return (k_.size() + v_.size()) * sizeof(float); }

 private:
  size_t layer_floats() const { return size_t(n_slots_) * max_len_ * kv_dim_; }
  int n_layers_, n_slots_, max_len_, kv_dim_;
  std::vector<float> k_, v_;
};

}  // namespace llmforge
