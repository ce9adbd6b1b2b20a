// One forward/backward's worth of training rows, whatever the stage: pretraining
// windows, packed SFT conversations, or RL rollouts.
#pragma once

#include <cstdint>
#include <vector>

namespace llmforge {

struct MicroBatch {
  int rows = 0, t = 0;
  std::vector<int32_t> inputs;   // (rows, t)
  std::vector<int32_t> targets;  // (rows, t); a negative target is ignored
  std::vector<float> weights;    // (rows, t) loss weight of each target; empty: all 1
  // Per-position numbers a stage's own loss reads (RL: returns or advantages).
  std::vector<float> aux;
  long real_tokens = 0;  // input positions that are not padding

  const float* weights_or_null() const { return weights.empty() ? nullptr : weights.data(); }
  // Sum of the weights of the targets that count (their number without weights).
  double weight_sum() const;
};

}  // namespace llmforge
