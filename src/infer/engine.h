// The inference forward pass over a KV cache. Each row is one token of one sequence
// at its own position; its keys and values are written into the cache slot of that
// sequence and its query attends to that slot's positions 0..pos. The same call does
// prefill (the rows of one prompt) and batched decode (one row per active sequence),
// so a batch of 64 RL samples costs one pass over the weights per step.
//
// The engine reads the model's parameters and never changes them; it has its own
// scratch buffers and cache, all in the model's kernel backend's memory, and runs
// every op through that backend's table. Token ids, slots, positions and logits
// cross the host boundary in forward() only. Not thread-safe: one thread drives an engine (the
// server's scheduler thread); kernels inside use all OpenMP threads.
#pragma once

#include <cstdint>

#include "infer/kv_cache.h"
#include "infer/weight_store.h"
#include "kernels/device_array.h"
#include "model/model.h"

namespace llmforge {

class InferenceEngine {
 public:
  // `max_len` 0: the model's context (max_position_embeddings). `weights`: the type
  // the matrices are stored and multiplied in (infer/weight_store.h); with kF32 the
  // model's own parameters are used, products in the model's precision.
  InferenceEngine(const Model& model, int n_slots, int max_len = 0,
                  WeightType weights = WeightType::kF32);

  const ModelConfig& config() const { return model_.config(); }
  int n_slots() const { return cache_.n_slots(); }
  int max_len() const { return cache_.max_len(); }
  size_t cache_bytes() const { return cache_.bytes(); }
  const WeightStore& weights() const { return weights_; }

  // Runs rows (token, slot, position) through the model. Rows of the same slot must
  // come in position order, and every position below a row's must already be in the
  // cache or earlier in this call. Logits of the rows listed in `logit_rows` go to
  // `logits` (n_logit_rows, V) in that order. Throws Error for bad ids, slots or
  // positions.
  void forward(const int32_t* tokens, const int* slots, const int* positions, int n,
               const int* logit_rows, int n_logit_rows, float* logits);

  // Prompt tokens at positions start..start+n-1 of `slot`, in chunks of rows; the
  // logits of the last row go to `last_logits` (V).
  void prefill(int slot, const int32_t* tokens, int n, int start, float* last_logits);

  // One row per sequence; logits (n, V).
  void decode(const int32_t* tokens, const int* slots, const int* positions, int n,
              float* logits);

 private:
  void ensure_scratch(int n);
  void layer_forward(int l, int n);
  // c (m, w.n) [+]= a (m, w.k) W^T.
  void linear(const float* a, const WeightMatrix& w, float* c, int m, bool acc);
  // cs[i] (m, ws[i].n) = a ws[i]^T for `count` matrices sharing the input a.
  void linear_group(const float* a, const WeightMatrix* ws, float* const* cs, int count, int m);

  const Model& model_;
  const KernelBackend& kernels_;
  KvCache cache_;
  WeightStore weights_;
  int cap_rows_ = 0;
  // Scratch for up to cap_rows_ rows: activations, the rows' tokens, slots and
  // positions, their rotary table, and the logits before they go to the host.
  DeviceArray<float> x_, norm_, rstd_, q_, k_, v_, att_, gate_, up_, h_, last_, logits_;
  DeviceArray<int32_t> tokens_;
  DeviceArray<int> slots_, positions_;
  DeviceArray<float> rope_cos_, rope_sin_;
  RopeTable rope_;
};

}  // namespace llmforge
