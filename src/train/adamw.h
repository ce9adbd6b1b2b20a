// AdamW over a Model's parameter arena: fp32 moments in one arena each, decoupled
// weight decay on the tensors the layout marks (linear-layer matrices; not norms or
// embeddings unless asked), global gradient-norm clipping like
// torch.nn.utils.clip_grad_norm_.
#pragma once

#include <map>
#include <string>

#include "core/arena.h"
#include "model/model.h"

namespace llmforge {

struct AdamWConfig {
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.1;
  bool decay_embeddings = false;
  bool decay_norms = false;
  double grad_clip = 1.0;  // max global L2 norm; <= 0 disables clipping
};

class AdamW {
 public:
  AdamW(const Model& model, AdamWConfig config);

  // Clips gradients (if configured) and updates parameters. Returns the global
  // gradient norm before clipping. Increments step().
  double step(Model& model, double lr);
  // Same, with the gradient norm already computed (grad_norm(model)), e.g. to check
  // it for NaN/Inf before deciding to step.
  void step(Model& model, double lr, double norm);

  long step_count() const { return step_; }
  void set_step_count(long s) { step_ = s; }
  float* m() { return m_.data(); }
  float* v() { return v_.data(); }
  size_t size() const { return m_.size(); }
  size_t state_bytes() const { return m_.bytes() + v_.bytes(); }
  const AdamWConfig& config() const { return config_; }

 private:
  AdamWConfig config_;
  Arena m_, v_;
  long step_ = 0;
};

// Global L2 norm of the gradients (double accumulation, fixed order).
double grad_norm(Model& model);

}  // namespace llmforge
