// The speedrun's idk stage: self-interrogation of the chat model (idk/interrogate.h),
// "I'm not sure" SFT data from its labels (idk/idk_data.h), fine-tuning through the
// SFT machinery, and the hallucination evaluation (idk/idk_eval.h) of the chat model
// before and of the fine-tuned one after. Outputs under OUT/idk: labels.jsonl,
// summary.json, sft/{train,val}.jsonl, train/ (the SFT run, model in train/model).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "idk/idk_eval.h"
#include "sft/sft.h"
#include "speedrun/speedrun.h"
#include "train/distributed.h"

namespace llmforge {

struct IdkStageRecord {
  bool ran = false;
  std::string from;             // "chat" or "base"
  std::string judge;
  int samples = 0;              // questions per fact
  double temperature = 0;
  nlohmann::json labels;        // idk::labels_summary
  long train_conversations = 0, val_conversations = 0, known = 0, unknown = 0, strangers = 0;
  long sft_steps = 0;
  double sft_val_loss = -1;
  double interrogate_seconds = 0, sft_seconds = 0, eval_seconds = 0;
  idk::HallucinationResult before, after;
  std::string model_dir;
};

// `chat_dir` and `base_dir`: the speedrun's chat and base models; `tokens_dir` the
// pretraining token shards, replayed during the fine-tuning (p.idk_replay_rows).
IdkStageRecord run_idk_stage(const SpeedrunPreset& p, const std::string& world_dir, const std::string& chat_dir,
                             const std::string& base_dir, const std::string& tokens_dir, const std::string& out_dir,
                             bool resume, Precision precision, Distributed& dist);

}  // namespace llmforge
