// Losses expressed as d(loss)/d(logits) producers for Model::backward.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model.h"

namespace llmforge {

// Token cross-entropy with a per-token weight (0 = ignored). Loss contribution of the
// batch: sum_i w_i * CE_i * grad_scale; pass grad_scale = 1 / (sum of weights over
// the whole optimizer step) to get the weighted mean across micro-batches.
// targets, weights: (B*T), aligned with the rows of the last forward. weights may
// be null (all ones). Returns sum_i w_i * CE_i (unscaled) after a full
// backward pass through the model.
double cross_entropy_backward(Model& model, const int32_t* targets, const float* weights,
                              double grad_scale, const float* dvalues = nullptr);

// The same cross-entropy as a LogitsGradFn, for a loss that combines it with its
// own d(loss)/d(values) in one Model::backward (a policy term and a value term):
// adds sum_i w_i * CE_i of each chunk to `total` as the backward pass visits it.
// `targets`, `weights` and `total` must outlive the backward call.
LogitsGradFn cross_entropy_logits_grad(Model& model, const int32_t* targets, const float* weights,
                                       double grad_scale, double& total);

// Forward-only: sum_i w_i * CE_i over the last forward's rows; per-row losses into
// row_losses when not null.
double cross_entropy_eval(Model& model, const int32_t* targets, const float* weights,
                          std::vector<float>* row_losses = nullptr);

// Sum of weights (count of non-ignored tokens when weights is null).
double weight_sum(const int32_t* targets, const float* weights, size_t n);

}  // namespace llmforge
