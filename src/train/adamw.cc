#include "train/adamw.h"

#include <cmath>

#include "core/profiler.h"

namespace llmforge {

AdamW::AdamW(const Model& model, AdamWConfig config)
    : config_(config), m_(model.n_param_floats()), v_(model.n_param_floats()) {}

double grad_norm(Model& model) {
  double ss = 0.0;
  for (const ParamInfo& p : model.layout().params()) {
    ss += model.kernels().sum_squares(model.grads() + p.offset, p.size);
  }
  return std::sqrt(ss);
}

double AdamW::step(Model& model, double lr) {
  const double norm = grad_norm(model);
  step(model, lr, norm);
  return norm;
}

void AdamW::step(Model& model, double lr, double norm) {
  ProfileScope scope("adamw");
  ++step_;
  if (config_.grad_clip > 0.0) {
    // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6), if below 1.
    const double coef = config_.grad_clip / (norm + 1e-6);
    if (coef < 1.0) {
      for (const ParamInfo& p : model.layout().params())
        model.kernels().scale_inplace(model.grads() + p.offset, p.size, float(coef));
    }
  }
  const size_t embed = model.layout().embed;
  for (const ParamInfo& p : model.layout().params()) {
    bool decay = p.decay;
    if (p.offset == embed && config_.decay_embeddings) decay = true;
    if (p.shape.size() == 1 && config_.decay_norms) decay = true;
    AdamWHyper h{float(lr), float(config_.beta1), float(config_.beta2), float(config_.eps),
                      decay ? float(config_.weight_decay) : 0.0f};
    model.kernels().adamw_update(model.params() + p.offset, model.grads() + p.offset, m_.data() + p.offset,
                      v_.data() + p.offset, p.size, h, step_);
  }
}

}  // namespace llmforge
