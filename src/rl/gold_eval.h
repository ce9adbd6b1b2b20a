// A policy's gold (true-preference) and proxy (reward-model) scores on open-ended
// prompts: S samples per prompt through the batched engine, each scored by the
// world's gold preference (rl/preference.h) and, when given, by a reward model.
// Sampling seeds derive from `seed`, so two policies are compared on equal terms.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model.h"
#include "rl/preference.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

struct GoldEval {
  long samples = 0;
  double gold = 0, proxy = 0, length = 0;  // means; proxy 0 without a reward model
};

GoldEval evaluate_gold(const Model& policy, const Tokenizer& tok, const GoldPreference& gold,
                       const std::vector<OpenPrompt>& prompts, Model* reward_model, int samples,
                       int max_new_tokens, uint64_t seed);

}  // namespace llmforge
