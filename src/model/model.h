// The Llama-architecture decoder: parameters, gradients and activations in three
// arenas, and explicit forward/backward passes (no autograd).
//
// Dimension letters used in comments: B batch, T sequence, N = B*T rows, C dim,
// NH/NKV query/key-value heads, HD head dim, QD = NH*HD, KVD = NKV*HD, F ffn dim,
// V vocabulary, L layers.
//
// A training step is:
//   model.zero_grad();
//   model.forward(tokens, B, T);                 // trunk, final norm, values
//   model.backward(logits_grad_fn, dvalues);     // head in chunks, then the trunk
// `logits_grad_fn` receives the logits of a chunk of rows and overwrites them with
// d(loss)/d(logits); the engine never holds logits for the whole batch. Losses (SFT
// masks, reward models, PPO/GRPO) are written as such functions; see
// train/losses.h for token cross-entropy. Gradients accumulate across calls until
// zero_grad(), which is how gradient accumulation works.
//
// Memory: parameters, gradients and activations live in the kernel backend's memory
// and every op runs through the backend's table (kernels/backend.h); the model
// itself never dereferences them on the host. Pointers it hands out (params(),
// grads(), values(), hidden(), the logits given to LogitsGradFn/LogitsReadFn) are
// backend memory: host memory on the CPU backend; other backends' callers go
// through KernelBackend::copy_to_host / copy_to_device.
//
// Not thread-safe: one Model is used by one thread of control (kernels inside use
// all threads).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "kernels/device_array.h"
#include "kernels/precision.h"
#include "model/config.h"
#include "model/param_layout.h"

namespace llmforge {

// Called with (first_row, n_rows, logits): logits is (n_rows, V) for rows
// [first_row, first_row + n_rows) of the flattened (B*T) batch; overwrite it with
// d(loss)/d(logits).
using LogitsGradFn = std::function<void(int first_row, int n_rows, float* logits)>;
// Called with the same arguments in forward-only use; logits are read-only.
using LogitsReadFn = std::function<void(int first_row, int n_rows, const float* logits)>;

class Model {
 public:
  // Validates the config (throws Error before allocating) and allocates zeroed
  // parameters and gradients.
  explicit Model(const ModelConfig& config, Precision precision = Precision::kFp32,
                 const KernelBackend& kernels = cpu_backend());

  const ModelConfig& config() const { return config_; }
  const ParamLayout& layout() const { return layout_; }
  Precision precision() const { return precision_; }
  const KernelBackend& kernels() const { return *kernels_; }
  void set_precision(Precision p) { precision_ = p; }

  float* params() { return params_.data(); }
  const float* params() const { return params_.data(); }
  float* grads() { return grads_.data(); }
  size_t n_param_floats() const { return layout_.total(); }
  // The tensor with this Hugging Face name; throws Error when absent.
  float* param(const std::string& name);
  float* grad(const std::string& name);

  // Normal(0, std) for matrices (output projections scaled by 1/sqrt(2L), as GPT-2
  // does), ones for norms. Deterministic for a given seed.
  void init_random(uint64_t seed, float std = 0.02f);
  void zero_grad();

  // Runs the trunk on tokens (B,T) (positions 0..T-1), keeping what backward needs.
  // Token ids must be in [0, vocab_size) and T <= max_seq_len (throws otherwise).
  void forward(const int32_t* tokens, int b, int t);
  // Logits of rows [first_row, first_row + n_rows) of the last forward, into out (n,V).
  void logits(int first_row, int n_rows, float* out);
  // Forward-only pass over the logits in chunks (evaluation, sampling).
  void for_each_logits_chunk(const LogitsReadFn& fn);
  // Values (B,T) of the last forward; nullptr without a value head.
  const float* values() const;
  // Final normalized hidden states (B,T,C) of the last forward.
  const float* hidden() const;

  // Accumulates parameter gradients of a loss given through d(loss)/d(logits)
  // (`logits_fn`, may be empty: no LM-head term) and d(loss)/d(values) (`dvalues`
  // (B,T), may be null).
  void backward(const LogitsGradFn& logits_fn, const float* dvalues);

  // Rows of the head processed at once: bounds the logits buffer to about 16 MiB.
  int logits_chunk_rows() const;

  size_t param_bytes() const { return params_.bytes(); }
  size_t grad_bytes() const { return grads_.bytes(); }
  size_t activation_bytes() const { return acts_.bytes(); }

 private:
  struct LayerActs {
    size_t res_in, norm1, rstd1, q, k, v, att, lse, mid, norm2, rstd2, gate, up, h;
  };
  const ParamInfo& info(const std::string& name) const;  // throws when absent
  void ensure_activations(int b, int t);
  void layer_forward(int l);
  void layer_backward(int l, float* dres);
  void matmul(const float* a, const float* b, float* c, int m, int n, int k, bool ta, bool tb,
              bool acc);
  float* act(size_t offset) { return acts_.data() + offset; }

  ModelConfig config_;
  const KernelBackend* kernels_;
  ParamLayout layout_;
  Precision precision_;
  DeviceArray<float> params_, grads_, acts_;

  // Activation layout for the current (b_, t_).
  int b_ = 0, t_ = 0, cap_b_ = 0, cap_t_ = 0;
  DeviceArray<int32_t> tokens_;  // (cap_b_ * cap_t_) of the last forward
  DeviceArray<float> dvalues_;   // device copy of backward's dvalues (value head only)
  std::vector<LayerActs> layer_acts_;
  size_t res_final_ = 0, norm_final_ = 0, rstd_final_ = 0, values_ = 0;
  // Backward scratch (shared by all layers).
  size_t d_res_ = 0, d_norm_ = 0, d_q_ = 0, d_k_ = 0, d_v_ = 0, d_att_ = 0, d_gate_ = 0,
         d_up_ = 0, d_h_ = 0, logits_buf_ = 0;
  DeviceArray<float> rope_cos_, rope_sin_;  // (cap_t_, HD/2) each, for positions 0..cap_t_-1
  RopeTable rope_;
};

}  // namespace llmforge
