// `llmforge rl grpo`: reinforcement learning on a verifiable task with GRPO.
//
// One optimizer step N of the shared loop (train/train_loop.h):
//   1. rollout (hooks.before_step): the next prompts_per_step prompts of the task,
//      G = samples_per_prompt completions each from the current policy through the
//      batched KV-cache engine (rl/rollout.h), each token's log-probability kept:
//      the policy that sampled is the "old policy" of the ratios, refreshed every step
//   2. rewards (rl/rewards.h), group-relative advantages (rl/grpo_loss.h); options
//      drop groups whose rewards are all equal (DAPO's dynamic sampling) and
//      completions cut off at the length limit (overlong filtering)
//   3. num_iterations optimizer updates over these rows against the stored old
//      log-probs (the loop's updates_per_step), each the GRPO loss of grpo_loss.h
//   4. one metrics.jsonl record: reward mean/std, accuracy, response and thinking
//      lengths, KL, clip fractions, entropy, zero-advantage groups, rollout and update
//      tokens/s; held-out greedy accuracy and pass@k every eval_every steps
// A checkpoint holds the policy, AdamW, the step and the prompt position; the old
// policy is the policy at the step boundary and every sampling seed derives from
// (seed, step), so a resumed run continues bitwise. The reference model (beta > 0)
// is the starting model, loaded again on resume.
// One process (no MPI). Throws Error("rl") for bad settings or data.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/precision.h"
#include "rl/arithmetic_task.h"
#include "rl/grpo_loss.h"
#include "rl/rewards.h"
#include "rl/task.h"
#include "rl/task_eval.h"
#include "train/adamw.h"
#include "train/lr_schedule.h"

namespace llmforge {

struct GrpoConfig {
  std::string model_dir;  // config.json, model.safetensors, tokenizer.json
  std::string tokenizer;  // when model_dir has no tokenizer.json
  std::string task = "arithmetic";  // built-in name or a JSONL file (rl/task.h)
  std::string eval_task;  // JSONL of held-out items; a JSONL task without one holds out its last `heldout`
  int heldout = 100;
  AnswerCheck check = AnswerCheck::kExact;  // JSONL items without their own "check"
  ArithmeticTaskOptions arithmetic;
  PromptTemplate prompt_template = PromptTemplate::kChat;
  std::string rewards = "correctness=1,format=0.2";
  std::vector<WeightedReward> custom_rewards;  // added to `rewards` (library callers, tests)
  int overlong_cache = 0;  // overlong reward's soft band (0: a quarter of max_new_tokens)
  std::string out_dir = "runs/grpo";

  long steps = 100;
  int prompts_per_step = 8;
  int samples_per_prompt = 8;  // G (TRL's num_generations)
  int max_new_tokens = 128;    // TRL's max_completion_length
  double top_p = 1.0;          // temperature: loss.temperature (sampling and loss share it)
  int rollout_batch = 64;      // sequences decoded together
  int micro_batch = 16;        // rows per forward/backward
  int num_iterations = 1;      // optimizer updates per rollout batch (mu)
  GrpoLossConfig loss;
  RewardScaling scaling = RewardScaling::kGroup;
  bool dynamic_sampling = false;  // drop groups of equal rewards
  bool mask_truncated = false;    // leave completions cut at max_new_tokens out of the loss

  LrSchedule schedule{LrSchedule::Kind::kConstant, 1e-5, 1e-5, 0, 1, 0.2};
  AdamWConfig adamw{0.9, 0.99, 1e-8, /*weight_decay=*/0.0, false, false, 1.0};
  Precision precision = Precision::kFp32;
  uint64_t seed = 1;

  int eval_every = 10;    // steps between held-out evaluations (and at start and end)
  int eval_prompts = 100; // held-out items evaluated (0: all)
  int eval_samples = 0;   // samples per item for pass@k (0: samples_per_prompt)
  int checkpoint_every = 50;
  int keep_checkpoints = 2;
  int max_bad_steps = 5;
  bool resume = false;
  double log_interval_s = 10.0;
  bool quiet = false;
};

struct GrpoSummary {
  long steps_done = 0;
  std::string model_dir;  // empty if stopped
  bool stopped_non_finite = false;
  long train_items = 0, heldout_items = 0, dropped_prompts = 0;
  TaskEval before, after;  // held-out, at the start (a fresh run) and the end
  double rollout_tokens_per_s = 0;  // completion tokens per second of rollouts, all steps
  double update_tokens_per_s = 0;
  double seconds = 0;
  // The policy's parameters, gradients and AdamW states plus the frozen reference's
  // parameters (beta > 0), and their activation arenas at their largest; a reward
  // model used as a reward (custom_rewards) is not counted here.
  size_t model_state_bytes = 0, activation_bytes = 0;
};

GrpoSummary run_grpo(const GrpoConfig& config);

// The train and held-out items of the config's task.
std::pair<std::vector<TaskItem>, std::vector<TaskItem>> load_grpo_task(const GrpoConfig& config);

}  // namespace llmforge
