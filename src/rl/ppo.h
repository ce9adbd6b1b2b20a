// `llmforge rl ppo`: RLHF with PPO (InstructGPT): an actor (the policy, from the
// SFT model), a separate critic (a value model initialised from the reward model
// or from the SFT model with a fresh head), a frozen reference (the SFT model) and
// the reward model.
//
// One optimizer step N of the shared loop (train/train_loop.h):
//   1. rollout (hooks.before_step): the next prompts_per_step prompts, G samples
//      each from the actor through the batched KV-cache engine (rl/rollout.h) with
//      each token's log-prob; the reference's log-probs and the critic's values
//      of the same tokens; the reward model's score of each conversation; then
//      per-token rewards (score minus beta times the per-token KL to the
//      reference), GAE and whitened advantages (rl/ppo_loss.h)
//   2. ppo_epochs updates over the batch (the loop's updates_per_step), each
//      accumulated over its micro-batches: the actor's clipped surrogate through
//      Model::backward, and the critic's clipped value loss through its own
//      backward and AdamW (stepped once per update, in hooks.after_backward)
//   3. the adaptive KL controller (kl_target > 0) moves beta toward the target
//   4. metrics.jsonl: proxy_score (reward model), gold_score (the world's true
//      preference, when a world is given), kl, beta, value_loss,
//      explained_variance, clip_fraction, value_clip_fraction, entropy,
//      approx_kl, response_length
// With eval_prompts, every eval_every steps (and before the first, and after the
// last) the actor answers held-out prompts with fixed sampling seeds; the gold
// score, the reward model's score, a held-out reward model's score and the KL from
// the reference of those answers go to metrics.jsonl (eval_*) and, with sample
// answers, to eval.jsonl.
// The `best` checkpoint is the one the held-out reward model (else the reward
// model) scores highest: early stopping that needs no gold.
// Every checkpoint (and the final model directory) holds the actor with its AdamW
// state and the prompt position (the loop's), and in critic/ the critic with its
// AdamW state and beta (bit for bit); rollout seeds derive from (seed, step), so a
// resumed run continues bitwise. One process. Throws Error("rl") for bad settings.
#pragma once

#include <cstdint>
#include <string>

#include "kernels/precision.h"
#include "train/adamw.h"
#include "train/lr_schedule.h"

namespace llmforge {

struct PpoConfig {
  std::string policy_dir;        // the SFT chat model (actor start and reference), with tokenizer.json
  std::string reward_model_dir;  // `llmforge rm train`'s model
  std::string critic_init = "rm";  // "rm": the reward model's weights; "sft": the SFT model and a new head
  std::string prompts;           // JSONL of {"prompt": ...} (e.g. rm data's prompts.jsonl)
  std::string world_dir;         // optional: people.jsonl, for the gold score
  std::string out_dir = "runs/ppo";
  std::string eval_prompts;           // JSONL like `prompts`, held out; needs world_dir
  std::string eval_reward_model_dir;  // optional: a reward model trained on other preferences
  int eval_every = 0;                 // steps between evaluations (0: before and after only)
  int eval_samples = 2;               // answers per held-out prompt
  int eval_examples = 4;              // answers kept per evaluation in eval.jsonl

  long steps = 50;
  int prompts_per_step = 8;
  int samples_per_prompt = 2;
  int max_new_tokens = 64;
  double temperature = 1.0, top_p = 1.0;
  int rollout_batch = 64;
  int micro_batch = 8;
  int ppo_epochs = 2;
  double epsilon = 0.2;        // policy clip range
  double value_clip = 0.2;     // value clip range
  double gamma = 1.0, lambda = 0.95;
  double beta = 0.05;          // initial KL coefficient
  double kl_target = 0;        // > 0: adaptive controller toward this KL per sequence
  double kl_horizon = 10000;
  bool whiten_advantages = true;

  LrSchedule schedule{LrSchedule::Kind::kConstant, 1e-5, 1e-5, 0, 1, 0.2};
  AdamWConfig adamw{0.9, 0.95, 1e-8, 0.0, false, false, 1.0};
  double critic_lr = 5e-5;
  Precision precision = Precision::kFp32;
  uint64_t seed = 1;
  int checkpoint_every = 0;
  int keep_checkpoints = 2;
  int max_bad_steps = 5;
  double log_interval_s = 10.0;
  bool resume = false;
  bool quiet = false;
};

struct PpoSummary {
  long steps_done = 0;
  std::string model_dir, critic_dir;
  double first_proxy = 0, last_proxy = 0, first_gold = 0, last_gold = 0, last_kl = 0;
  double seconds = 0, rollout_seconds = 0, update_seconds = 0;
  size_t peak_model_bytes = 0;  // parameters, gradients and optimizer states of the four models
  size_t activation_bytes = 0;  // the four models' activation arenas at their largest
  long evaluations = 0;         // held-out evaluations written to eval.jsonl
};

PpoSummary run_ppo(const PpoConfig& config);

}  // namespace llmforge
