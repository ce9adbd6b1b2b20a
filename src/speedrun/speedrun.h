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
//   idk        self-interrogation labels what the chat model knows; SFT teaches it
//              to refuse the rest and people it never saw; hallucination before/after
//   search     an index over the crawl and post-crawl pages; SFT teaches the chat
//              model to search for what it does not know; accuracy with and without
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

#include "kernels/precision.h"
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
  int sft_replay_rows = 0;         // pretraining rows replayed per SFT micro-batch (sft/sft.h)
  double sft_replay_weight = 1.0;  // their loss weight per token
  int eval_per_split = 0;  // QA questions per split (0: all)
  // Few-shot "NAME -> VALUE" on held-out people (eval/world_icl.h), base model.
  int icl_queries_per_attribute = 20;
  std::vector<int> icl_shots{0, 1, 2, 4, 8};
  // grpo stage (speedrun/grpo_stage.h): arithmetic, R1 and R1-Zero routes.
  int grpo_train_items = 2000, grpo_heldout_items = 100, grpo_cold_start = 300;
  int grpo_operands = 3;
  std::string grpo_think_format = "steps";  // the cold start's worked answers: steps or rest (rl/arithmetic_task.h)
  double grpo_cold_start_epochs = 4, grpo_cold_start_lr = 1e-3;
  // The cold start is checked every quarter epoch on this many validation problems
  // (greedy) and stops once it answers this share of them (0: all its epochs, no check).
  double grpo_cold_start_target = 0;
  int grpo_cold_start_check_items = 100;
  // 60 R1 steps took 13.4 min on the shared 2-core machine (bench/RESULTS.md, "RL"):
  // 40 and 20 aim at the stage's 10 minutes.
  long grpo_steps = 40, grpo_r1zero_steps = 20;
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
  // The search stage (speedrun/search_stage.h); the world's post-crawl group
  // (world.post_crawl_people) is what only the search index knows.
  bool search_stage = true;
  int search_k = 2;                 // pages per search
  int search_result_tokens = 150;   // a result is cut to this many tokens
  int search_paraphrases = 2;       // search conversations per unknown fact
  int search_direct_paraphrases = 1;  // direct answers per known fact of a QA-trained person
  int search_original_stride = 3;   // every Nth original SFT conversation joins the search SFT
  bool search_reading = false;      // also the training post-crawl people's pages pasted above a question
  // People invented for the search SFT alone (speedrun/search_fresh_people.h): a reading
  // conversation each, a search conversation for a share of them, and the pages each
  // has in their own index.
  int search_fresh_people = 0;
  int search_fresh_pages = 3;
  int search_fresh_questions = 3;   // facts asked, turn after turn, in a fresh person's reading conversation
  double search_fresh_search_share = 1.0;  // of the fresh people, those who also get a search conversation
  double search_sft_epochs = 1;
  int search_eval_per_group = 0;    // questions per group (0: all)
  // idk stage (speedrun/idk_stage.h): self-interrogation, then "I'm not sure" SFT.
  int idk_samples = 4;            // questions per fact
  int idk_phrasings_per_fact = 2;  // SFT conversations per labelled fact (idk/idk_data.h)
  int idk_replay_rows = 0;         // pretraining rows replayed per micro-batch (as sft_replay_rows)
  // 0.5 rather than 0.8: on a longer-trained tiny model 0.8 labelled 57 of 144 facts known, 0.5
  // labelled 91, closer to the 84 its greedy answers get right (bench/RESULTS.md, "Hallucination").
  double idk_temperature = 0.5;
  // "pages": answers must occur in the person's crawled pages, so the stage uses no ground
  // truth (evaluation does); "truth": the world's facts.
  std::string idk_judge = "pages";
  std::string idk_from = "chat";    // fine-tune "chat" (continue) or "base" (from the base model,
                                    // with SFT's epochs and learning rate)
  double idk_epochs = 1;            // when continuing the chat model
  double idk_lr = 2e-4;
};
SpeedrunPreset speedrun_preset(const std::string& name);  // "tiny" or "default"
std::vector<std::string> speedrun_preset_names();

struct SpeedrunConfig {
  SpeedrunPreset preset;
  std::string out_dir = "runs/speedrun";
  int threads = 0;  // data pipeline and tokenizer threads (0: all cores)
  bool resume = false;
  // The last stage to run (one of speedrun_stage_names()); empty runs them all. The
  // report covers the stages that ran: `--stop-after eval` gives the chat model's
  // numbers without the post-training stages, as the multi-seed table needs.
  std::string stop_after;
  // Post-training stages not to run (idk, search, grpo, rm, rlhf), e.g. to rerun one
  // stage of a finished run with --resume.
  std::vector<std::string> skip;
  // Matrix-product inputs of every training stage, pretraining through RLHF
  // (kernels/precision.h); the stages' evaluations stay fp32. bf16 is native
  // (AVX512_BF16 / AMX) where the CPU has it; master weights stay fp32 either way.
  Precision precision = Precision::kFp32;
};

// Every stage of the speedrun, in order.
std::vector<std::string> speedrun_stage_names();

struct SpeedrunResult {
  double qa_trained_accuracy = 0, qa_heldout_accuracy = 0, identity_accuracy = 0;
  double noise_precision = 0, noise_recall = 0;
  double val_bits_per_byte = -1;
  double seconds = 0;
  std::string chat_model_dir, report_path, chat_command;
};

SpeedrunResult run_speedrun(const SpeedrunConfig& config);

}  // namespace llmforge
