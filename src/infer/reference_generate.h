// Text generation by full recomputation: every new token reruns the whole prefix
// through Model::forward. Slow (quadratic), but simple and exact, which makes it the
// reference that the KV-cache engine must reproduce token for token. Used by the
// quickstart until the inference engine exists.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "model/model.h"

namespace llmforge {

struct SampleSettings {
  double temperature = 0.8;  // 0 = greedy
  int top_k = 0;             // 0 = whole vocabulary
  int max_new_tokens = 64;
  int32_t stop_token = -1;   // generation ends after emitting it (-1: none)
};

// Picks a token from logits (V) under the settings (greedy when temperature <= 0).
int32_t sample_token(const float* logits, int vocab, const SampleSettings& s, Rng& rng);

// Returns only the new tokens. The prompt plus output is truncated on the left to
// the model's context when it grows past it.
std::vector<int32_t> reference_generate(Model& model, const std::vector<int32_t>& prompt,
                                        const SampleSettings& settings, Rng& rng);

}  // namespace llmforge
