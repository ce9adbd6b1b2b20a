// A policy's gold (true-preference) and proxy (reward-model) scores on open-ended
// prompts: S samples per prompt through the batched engine, each scored by the
// world's gold preference (rl/preference.h) and, when given, by a reward model.
// Sampling seeds derive from `seed`, so two policies are compared on equal terms.
// A second, held-out reward model (trained on other preferences) scores the same
// samples: a proxy the policy was not optimised against, for early stopping. With a
// reference model (the SFT model), the samples also measure the policy's KL from it:
// per response, the sum over its tokens of log pi(token) - log pi_ref(token), the
// sampled tokens' own log-ratios (an unbiased estimate of KL(pi || pi_ref)).
#pragma once

#include <cstdint>
#include <vector>

#include "model/model.h"
#include "rl/preference.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

struct GoldSample {
  std::string prompt, response;
  double gold = 0, proxy = 0;
};

struct GoldEval {
  long samples = 0;
  double gold = 0, proxy = 0, length = 0;  // means; proxy 0 without a reward model
  double heldout_proxy = 0;                // mean; 0 without a held-out reward model
  double kl = 0;                           // mean per response; 0 without a reference
  std::vector<GoldSample> examples;        // the first sample of each of the first keep_examples prompts
};

GoldEval evaluate_gold(const Model& policy, const Tokenizer& tok, const GoldPreference& gold,
                       const std::vector<OpenPrompt>& prompts, Model* reward_model, int samples,
                       int max_new_tokens, uint64_t seed, Model* heldout_reward_model = nullptr,
                       int keep_examples = 0, Model* reference = nullptr);

}  // namespace llmforge
