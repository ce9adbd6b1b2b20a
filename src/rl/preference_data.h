// `llmforge rm data`: preference data from the world. Open-ended prompts about
// people of the world (rl/preference.h), K responses to each sampled from the chat
// model through the batched KV-cache engine (rl/rollout.h), ranked by the hidden
// gold preference, optionally through a noisy rater: the gold score plus
// Normal(0, noise) decides the ranking (noise 0: the true order).
//
// Writes into out_dir:
//   ranked.jsonl   {"prompt", "responses" (best first), "person", "gold" (the
//                  responses' gold scores, in the same order)}; the reward model
//                  reads only prompt and responses
//   pairs.jsonl    {"prompt", "chosen", "rejected"}: every ranked list expanded
//                  into all its pairs; identical responses and responses the rater
//                  scores equally (ties) are skipped and counted (in ranked.jsonl
//                  ties keep their sampling order)
//   prompts.jsonl  {"prompt", "person", "answer": ""}: the prompts alone, a task
//                  file for RL (`llmforge rl grpo --task`)
#pragma once

#include <cstdint>
#include <string>

namespace llmforge {

struct PreferenceDataConfig {
  std::string model_dir;  // the chat model (with tokenizer.json)
  std::string tokenizer;
  std::string world_dir;  // people.jsonl of `llmforge world`
  std::string out_dir = "runs/prefs";
  std::string people = "all";  // "all", "qa" (the SFT half) or "heldout"
  int prompts = 200;
  int responses = 4;  // K per prompt
  double temperature = 1.0, top_p = 1.0;
  int max_new_tokens = 96;
  double noise = 0;  // rater noise: std of the Normal added to the gold score
  int max_batch = 64;
  uint64_t seed = 1;
};

struct PreferenceDataSummary {
  long prompts = 0, responses = 0, pairs = 0, skipped_identical = 0, skipped_ties = 0;
  double gold_mean = 0, gold_best_mean = 0;  // mean gold score of all responses / of each list's best
  double rater_agreement = 0;  // fraction of written pairs the true preference agrees with
  double seconds = 0;
};

PreferenceDataSummary make_preference_data(const PreferenceDataConfig& config);

}  // namespace llmforge
