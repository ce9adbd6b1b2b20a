// `llmforge speedrun`: the whole pipeline on the synthetic world, from crawl to chat.
//
//   world      generate people, their pages (a WARC.gz crawl with planted noise),
//              arithmetic text, SFT conversations and evaluation items
//   data       the data pipeline over the crawl; precision and recall of noise
//              removal against the planted labels
//   tokenizer  BPE trained on the filtered text; token shards (crawl + arithmetic)
//   pretrain   a base model from random weights
//   sft        supervised fine-tuning into a chat model
//   eval       QA accuracy for QA-trained and held-out people, identity under a
//              system prompt, validation bits per byte
//   grpo       RL on multi-step arithmetic: R1 (cold-start SFT, then GRPO) and
//              R1-Zero (GRPO from the base model); held-out accuracy before/after
//   rm         preferences ranked by the world's true preference; a reward model
//   rlhf       PPO and GRPO against the reward model; proxy vs gold score
//   report     report.md with tables and SVG plots, report.json
// Each stage leaves its outputs under out_dir; `resume` skips stages whose outputs
// are complete (a model directory, a finished data run), so an interrupted run
// continues where it stopped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"
#include "world/world.h"

namespace llmforge {

struct SpeedrunPreset {
  std::string name;
  world::WorldOptions world;
  int vocab_size = 2048;
  ModelConfig model;  // vocab_size comes from the tokenizer
  long pretrain_steps = 0;
  int pretrain_micro_batch = 16;
  long pretrain_batch_tokens = 0;
  double pretrain_lr = 3e-3;
  long pretrain_warmup = 40;
  double sft_epochs = 2;
  int sft_micro_batch = 16;
  double sft_lr = 1e-3;
  int sft_eval_every = 50;
  int eval_per_split = 0;  // QA questions per split (0: all)
  // Few-shot "NAME -> VALUE" on held-out people (eval/world_icl.h), base model.
  int icl_queries_per_attribute = 20;
  std::vector<int> icl_shots{0, 1, 2, 4, 8};
  // grpo stage (speedrun/grpo_stage.h): arithmetic, R1 and R1-Zero routes.
  int grpo_train_items = 2000, grpo_heldout_items = 100, grpo_cold_start = 300;
  double grpo_cold_start_epochs = 3, grpo_cold_start_lr = 1e-3;
  long grpo_steps = 60, grpo_r1zero_steps = 30;
  int grpo_prompts = 8, grpo_group = 8, grpo_max_new_tokens = 48;
  double grpo_lr = 1e-4;
  int grpo_eval_every = 20, grpo_eval_prompts = 100;
  // rm and rlhf stages (speedrun/rlhf_stage.h): preferences, reward model, PPO and GRPO.
  int rm_prompts = 400, rm_responses = 4, rm_max_new_tokens = 64, rm_epochs = 2;
  double rm_noise = 0.1, rm_lr = 1e-4;
  long rlhf_steps = 40;
  int rlhf_prompts = 8, rlhf_group = 2, rlhf_eval_prompts = 64, rlhf_eval_samples = 2;
  double rlhf_beta = 0.02, rlhf_lr = 1e-5;
  std::string expected_time;  // on a 2-core machine, for the banner
};
SpeedrunPreset speedrun_preset(const std::string& name);  // "tiny" or "default"
std::vector<std::string> speedrun_preset_names();

struct SpeedrunConfig {
  SpeedrunPreset preset;
  std::string out_dir = "runs/speedrun";
  int threads = 0;  // data pipeline and tokenizer threads (0: all cores)
  bool resume = false;
};

struct SpeedrunResult {
  double qa_trained_accuracy = 0, qa_heldout_accuracy = 0, identity_accuracy = 0;
  double noise_precision = 0, noise_recall = 0;
  double val_bits_per_byte = -1;
  double seconds = 0;
  std::string chat_model_dir, report_path, chat_command;
};

SpeedrunResult run_speedrun(const SpeedrunConfig& config);

}  // namespace llmforge
