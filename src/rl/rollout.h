// Rollouts: G samples per prompt from a policy through the batched KV-cache engine
// (infer/batch_generator.h), each sampled token's log-probability recorded, so an
// update can form importance ratios against the policy that sampled (the "old
// policy") without another forward pass. GRPO uses it; so can PPO and other RLHF
// stages: prompts are token ids in; completions, their log-probs and lengths out.
//
// Up to `max_batch` sequences decode together, one pass over the weights per step,
// which is what makes a rollout several times faster than one sequence at a time
// (bench/rl/rollout_bench.cc measures it). Every sample has its own sampler seed,
// derived from (seed, prompt, sample), so a rollout is reproducible whatever else
// runs in its batch.
#pragma once

#include <cstdint>
#include <vector>

#include "infer/batch_generator.h"
#include "infer/sampler.h"
#include "model/model.h"

namespace llmforge {

struct RolloutConfig {
  int samples_per_prompt = 8;  // G
  SamplerSettings sampling;    // temperature, top_p, ...; its seed is not used
  int max_new_tokens = 256;
  std::vector<int32_t> stop_tokens;  // kept as the completion's last token
  int max_batch = 64;                // sequences decoded together
};

struct Completion {
  int prompt = 0, sample = 0;     // which prompt, which of its G samples
  std::vector<int32_t> tokens;    // the sampled tokens, a stop token included
  std::vector<float> logprobs;    // log softmax(logits / T) of each sampled token
  FinishReason finish = FinishReason::kNone;
  bool truncated() const { return finish == FinishReason::kLength; }  // no stop token
};

struct RolloutBatch {
  std::vector<Completion> completions;  // prompt-major: prompt p's sample j at p * G + j
  long prompt_tokens = 0, completion_tokens = 0;
  double seconds = 0;
  double tokens_per_s() const { return seconds > 0 ? double(completion_tokens) / seconds : 0; }
};

// Samples G completions of each prompt. Throws Error("generate") as
// BatchGenerator::add for an empty prompt or one that leaves no room in the context.
RolloutBatch generate_rollouts(const Model& model, const std::vector<std::vector<int32_t>>& prompts,
                               const RolloutConfig& config, uint64_t seed);

// The sampler seed of (seed, prompt, sample): SplitMix64 of their mix.
uint64_t rollout_seed(uint64_t seed, int prompt, int sample);

}  // namespace llmforge
