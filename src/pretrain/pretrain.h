// `llmforge pretrain`: turns token shards into a base model.
//
// Training windows come from the token shards (train/data_loader.h), each process
// taking its share; the shared loop (train/train_loop.h) accumulates gradients
// over micro-batches until a step has seen `batch_tokens` tokens over all
// processes, sums them across processes, guards against non-finite steps, clips
// and applies AdamW with the learning-rate schedule. Validation loss and bits per
// byte, greedy text samples (KV-cache engine) and checkpoints come at set
// intervals. A resumed run continues bitwise identically: the checkpoint holds the
// weights, the AdamW state, the step and the data loader's position.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kernels/precision.h"
#include "model/config.h"
#include "model/model.h"
#include "train/adamw.h"
#include "train/distributed.h"
#include "train/lr_schedule.h"

namespace llmforge {

struct PretrainConfig {
  std::string data_dir;   // data pipeline output (tokens/train-*.bin, tokens/val-*.bin)
  std::string tokenizer;  // optional: for samples, bits per byte and the model directory
  std::string out_dir = "runs/pretrain";
  bool align_to_documents = false;

  ModelConfig model;      // vocab_size is taken from the shards; unused for a loaded model
  std::string init_from;  // optional model directory to start from instead of random weights

  long steps = 1000;
  int micro_batch = 8;     // sequences per forward/backward
  long batch_tokens = 0;   // tokens per optimizer step over all ranks; 0 = from grad_accum
  int grad_accum = 1;      // micro-batches per process per step when batch_tokens is 0
  LrSchedule schedule;     // total_steps is set from `steps`
  AdamWConfig adamw;
  Precision precision = Precision::kFp32;
  uint64_t seed = 1;
  float init_std = 0.02f;

  int eval_every = 100;
  int eval_windows = 32;
  int sample_every = 0;  // 0 = only at the end (when a tokenizer is given)
  std::vector<std::string> sample_prompts;
  int sample_tokens = 48;
  int checkpoint_every = 500;
  int keep_checkpoints = 2;  // besides the best one
  int max_bad_steps = 5;
  bool resume = false;
  double log_interval_s = 10.0;

  // Test hook: runs after step N's backward pass (N from 1), before the all-reduce.
  std::function<void(long step, Model& model)> after_backward;
};

struct PretrainSummary {
  long steps_done = 0;
  double train_loss = 0;
  double val_loss = -1;        // -1: no validation shards
  double val_bits_per_byte = -1;
  double best_val_loss = -1;
  double tokens_per_s = 0;
  bool stopped_non_finite = false;
  std::string model_dir;
  std::vector<double> step_losses;  // every step's training loss (NaN for skipped steps)
};

PretrainSummary run_pretraining(const PretrainConfig& config, Distributed& dist);

// Named model shapes, about 1M, 14M, 50M and 124M parameters (with a 4K-50K
// vocabulary). Throws Error for an unknown name.
struct PretrainPreset {
  ModelConfig model;
  int micro_batch;
  long batch_tokens;
  double lr;
  long steps;
  long warmup;
};
PretrainPreset pretrain_preset(const std::string& name);
std::vector<std::string> pretrain_preset_names();

}  // namespace llmforge
