// `llmforge sft`: supervised fine-tuning of a base model on chat conversations.
//
// Reads JSONL conversations (sft/conversations.h), renders them in the chat format
// with the special tokens, and trains on the assistant's tokens only: each optimizer
// step's loss is the mean cross-entropy over the assistant tokens (and their closing
// <|end|>) of its rows (sft/sft_batcher.h). Training runs in the shared loop
// (train/train_loop.h): gradient accumulation, AdamW, learning-rate schedule,
// clipping, the non-finite guard, validation loss, checkpoints with latest/best
// pointers, bitwise resume, metrics.jsonl and the progress line, and MPI data
// parallelism (`mpirun -np N llmforge sft ...`: every process takes its share of
// each step's rows, gradients are summed).
//
// Output under out_dir: checkpoints/step_*, metrics.jsonl, model/ (config.json,
// model.safetensors, tokenizer.json; replaced as a whole at the end).
// Throws Error("sft") for bad settings or data.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "kernels/precision.h"
#include "train/adamw.h"
#include "train/distributed.h"
#include "train/lr_schedule.h"
#include "train/train_loop.h"

namespace llmforge {

struct SftConfig {
  std::string model_dir;   // base model: config.json, model.safetensors, tokenizer.json
  std::string tokenizer;   // optional: tokenizer path/name when model_dir has none
  std::string train_file;  // JSONL conversations
  std::string val_file;    // optional JSONL conversations for validation
  std::string out_dir = "runs/sft";

  long steps = 0;        // optimizer steps; 0 = derive from `epochs`
  double epochs = 3;     // passes over the training conversations when steps == 0
  int micro_batch = 8;   // rows per forward/backward
  int grad_accum = 1;    // micro-batches per process per optimizer step
  int seq_len = 0;       // row width in tokens; 0 = the model's context
  bool packing = true;   // false: one conversation per row (padding)

  // Replay: rows of pretraining text added to every micro-batch, trained as in
  // pretraining (every token a target). Fine-tuning at a learning rate high enough
  // to teach the chat format otherwise overwrites facts only the pretraining text
  // held (the speedrun's held-out people); replaying that text keeps them.
  std::string replay_data;     // token shards: a data pipeline output or tokens/ folder; "": none
  int replay_rows = 0;         // pretraining rows added to each micro-batch
  double replay_weight = 1.0;  // loss weight of a replay target (an assistant target weighs 1)

  // max_lr/min_lr/warmup as given; total_steps is set by run_sft.
  LrSchedule schedule{LrSchedule::Kind::kCosine, 3e-4, 3e-5, 10, 1, 0.2};
  AdamWConfig adamw{0.9, 0.95, 1e-8, /*weight_decay=*/0.0, false, false, 1.0};
  Precision precision = Precision::kFp32;
  uint64_t seed = 1;     // shuffling of conversations

  int eval_every = 50;        // steps between validation losses (and at the end)
  int checkpoint_every = 200; // steps between checkpoints (and at the end); 0 = end only
  int keep_checkpoints = 2;   // recent checkpoints kept besides the best one
  int max_bad_steps = 5;      // stop after this many non-finite steps in a row
  bool resume = false;        // continue from out_dir/checkpoints/latest
  double log_interval_s = 10.0;
  bool quiet = false;         // no banner lines on stdout (progress still on stderr)

  // Optional check of the model on a task (the R1 cold start's arithmetic accuracy),
  // every check_every_epochs epochs and at the end; validation, if any, runs then
  // too, in place of eval_every. Its metrics join the step's record, and its `stop`
  // ends the run at that step (train/train_loop.h).
  std::function<EvalResult(Model& model)> check;
  double check_every_epochs = 1;
};

struct SftSummary {
  long steps_done = 0;   // the step the run ended at (counts resumed steps)
  long total_steps = 0;
  double train_loss = 0;  // last step's
  double val_loss = -1;   // last validation; -1 without a val file
  double best_val_loss = -1;
  std::string model_dir;  // final model directory (with tokenizer.json); empty if stopped
  std::vector<double> step_losses;                 // this run's steps (NaN for skipped ones)
  std::vector<std::pair<long, double>> val_losses; // (step, loss), this run's evaluations
  double tokens_per_s = 0;  // non-padding tokens per second of training
  long train_conversations = 0, val_conversations = 0;
  long dropped_too_long = 0;  // train + val conversations longer than seq_len + 1 tokens
  long rows_per_epoch = 0;
  bool stopped_non_finite = false;
  bool stopped_at_goal = false;  // `check` said stop before the last step
};

SftSummary run_sft(const SftConfig& config, Distributed& dist);

}  // namespace llmforge
