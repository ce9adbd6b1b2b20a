// `llmforge rm train`: a reward model trained on preference pairs with the
// Bradley-Terry loss (rl/reward_model.h) on the shared training loop.
//
// The pairs of a preference file (rl/preference.h) are split by group (one line: a
// pair or a whole ranked list) so that no held-out prompt's responses are trained
// on: the last heldout_fraction of the groups are held out, unless an eval file is
// given. Pairs longer than the context are skipped and counted. Each optimizer step
// takes pairs_per_step pairs in micro-batches of micro_pairs, in an order shuffled
// per epoch from the seed; a checkpoint holds the position, so a resumed run
// continues bitwise.
//
// Measured on the held-out pairs, before training and at every evaluation:
// accuracy (r(chosen) > r(rejected), ties half), mean loss and margin; and once, a
// length-only baseline (the longer response is preferred; equal lengths half),
// which a reward model must beat to have learned more than length.
// The model directory holds the reward model (the chat model's weights plus
// "score.weight", config value_head: true) and the tokenizer.
#pragma once

#include <cstdint>
#include <string>

#include "kernels/precision.h"
#include "train/adamw.h"
#include "train/lr_schedule.h"

namespace llmforge {

struct RmTrainConfig {
  std::string model_dir;   // the chat (SFT) model: config.json, model.safetensors, tokenizer.json
  std::string tokenizer;   // when model_dir has no tokenizer.json
  std::string data;        // preference JSONL
  std::string eval_data;   // held-out preference JSONL ("": the last heldout_fraction of data's groups)
  double heldout_fraction = 0.1;
  std::string out_dir = "runs/rm";
  int epochs = 1;
  int pairs_per_step = 16;
  int micro_pairs = 8;
  LrSchedule schedule{LrSchedule::Kind::kCosine, 1e-4, 1e-5, 5, 1, 0.2};
  AdamWConfig adamw{0.9, 0.95, 1e-8, 0.0, false, false, 1.0};
  Precision precision = Precision::kFp32;
  uint64_t seed = 1;
  int eval_every = 0;
  int checkpoint_every = 0;
  int keep_checkpoints = 2;
  int max_bad_steps = 5;
  bool resume = false;
  double log_interval_s = 10.0;
  bool quiet = false;
};

struct RmEval {
  long pairs = 0;
  double accuracy = 0, loss = 0, margin = 0;  // against the data's chosen/rejected labels
  // Against the true preference, over the pairs whose gold scores are known and
  // differ (a noisy rater's labels disagree with it on some pairs).
  long gold_pairs = 0;
  double gold_accuracy = 0;
};

struct RmTrainSummary {
  long train_pairs = 0, heldout_pairs = 0, skipped_identical = 0, skipped_long = 0;
  long steps_done = 0;
  RmEval before, after;
  double length_baseline = 0;  // held-out accuracy of "the longer response wins"
  double length_baseline_gold = 0;  // the same against the true preference (gold pairs)
  std::string model_dir;       // empty if stopped
  double seconds = 0;
};

RmTrainSummary run_rm_train(const RmTrainConfig& config);

}  // namespace llmforge
