// The speedrun's report: report.md (tables, plots, sample chats), report.json and
// the SVG plots under plots/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/svg_plot.h"
#include "data/report.h"
#include "eval/world_eval.h"
#include "eval/world_icl.h"
#include "model/config.h"
#include "speedrun/grpo_stage.h"
#include "speedrun/idk_stage.h"
#include "speedrun/rlhf_stage.h"
#include "world/world_io.h"

namespace llmforge {

struct StageTime {
  std::string name;
  double seconds = 0;
};

// Training and validation loss curves of a run's metrics.jsonl.
struct LossCurves {
  PlotSeries train, val;
};
LossCurves read_loss_curves(const std::string& metrics_jsonl);

struct SpeedrunRecord {
  std::string preset, out_dir;
  std::string precision = "fp32", cpu;  // pretraining and SFT matrix products; the CPU they ran on
  std::vector<StageTime> stages;
  double total_seconds = 0;
  // world
  long people = 0, pages = 0, sft_train = 0, sft_val = 0;
  // data
  data::RunStats data_stats;
  world::NoiseRemovalScore noise;
  // tokenizer and shards
  int vocab_size = 0;
  double train_tokens = 0, text_bytes_per_token = 0;
  // pretraining
  ModelConfig model;
  long pretrain_steps = 0;
  double pretrain_tokens_per_s = 0, pretrain_val_loss = -1, pretrain_val_bpb = -1;
  LossCurves pretrain_curves;
  std::vector<std::pair<std::string, std::string>> base_samples;  // prompt, completion
  // SFT
  long sft_steps = 0;
  double sft_val_loss = -1;
  LossCurves sft_curves;
  // evaluation
  WorldEvalResult eval;
  WorldEvalResult base_probe;  // the same facts, completed by the base model
  WorldIclResult base_icl;     // few-shot "NAME -> VALUE" on held-out people, base model
  std::string system_prompt, chat_command;
  // grpo (speedrun/grpo_stage.h)
  GrpoStageRecord grpo;
  IdkStageRecord idk;          // the idk stage (ran == false when it did not run)
  // rm and rlhf (speedrun/rlhf_stage.h)
  RmStageRecord rm;
  RlhfStageRecord rlhf;
};

// The "Hallucination" section of report.md (speedrun/idk_report.cc); writes its plot
// to out_dir/plots/idk_confidence.svg. Empty when the idk stage did not run.
std::string idk_report_section(const SpeedrunRecord& r);
nlohmann::json idk_report_json(const SpeedrunRecord& r);

// Writes out_dir/report.md, out_dir/report.json and out_dir/plots/*.svg (atomically);
// returns the path of report.md.
std::string write_speedrun_report(const SpeedrunRecord& r);

}  // namespace llmforge
