#include "train/losses.h"

#include "core/profiler.h"
#include "train/micro_batch.h"

namespace llmforge {

double weight_sum(const int32_t* targets, const float* weights, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; ++i)
    if (targets[i] >= 0) s += weights ? weights[i] : 1.0f;
  return s;
}

LogitsGradFn cross_entropy_logits_grad(Model& model, const int32_t* targets, const float* weights,
                                       double grad_scale, double& total) {
  std::vector<float> losses(model.logits_chunk_rows());
  return [&model, targets, weights, grad_scale, &total, losses](int r0, int n, float* logits) mutable {
    ProfileScope scope("cross entropy");
    model.kernels().cross_entropy_forward_backward(logits, losses.data(), targets + r0,
                                                   weights ? weights + r0 : nullptr, float(grad_scale),
                                                   n, model.config().vocab_size);
    for (int i = 0; i < n; ++i) total += double(losses[i]) * (weights ? weights[r0 + i] : 1.0f);
  };
}

double cross_entropy_backward(Model& model, const int32_t* targets, const float* weights,
                              double grad_scale, const float* dvalues) {
  double total = 0.0;  // summed in row order: reproducible
  model.backward(cross_entropy_logits_grad(model, targets, weights, grad_scale, total), dvalues);
  return total;
}

double MicroBatch::weight_sum() const {
  return llmforge::weight_sum(targets.data(), weights_or_null(), targets.size());
}

double cross_entropy_eval(Model& model, const int32_t* targets, const float* weights,
                          std::vector<float>* row_losses) {
  std::vector<float> scratch, losses(model.logits_chunk_rows());
  double total = 0.0;
  model.for_each_logits_chunk([&](int r0, int n, const float* logits) {
    scratch.assign(logits, logits + size_t(n) * model.config().vocab_size);
    model.kernels().cross_entropy_forward_backward(scratch.data(), losses.data(), targets + r0,
                                        weights ? weights + r0 : nullptr, 0.0f, n,
                                        model.config().vocab_size);
    for (int i = 0; i < n; ++i) {
      total += double(losses[i]) * (weights ? weights[r0 + i] : 1.0f);
      if (row_losses) row_losses->push_back(losses[i]);
    }
  });
  return total;
}

}  // namespace llmforge
