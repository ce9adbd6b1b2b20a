// The speedrun's `grpo` stage: reinforcement learning on the built-in arithmetic
// task (rl/arithmetic_task.h) along the two routes of DeepSeek-R1:
//   R1       a short SFT "cold start" of the base model on worked examples in the
//            think format (and the chat format), then GRPO with correctness and
//            format rewards
//   R1-Zero  GRPO straight from the base model with a prompt template that opens
//            the thinking ("Question: ...\nAnswer: <think>"), no SFT
// Each route is evaluated on held-out problems before and after (greedy accuracy,
// pass@k), and its curves and transcripts go into the report's own section.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/svg_plot.h"
#include "rl/arithmetic_probe.h"
#include "rl/grpo.h"

namespace llmforge {

struct SpeedrunPreset;

struct GrpoRouteRecord {
  std::string name, start_model, out_dir;
  GrpoSummary summary;
  PlotSeries eval_accuracy, train_accuracy, length, think;  // over RL steps
  double seconds = 0;
};

struct GrpoStageRecord {
  bool ran = false;
  int train_items = 0, heldout_items = 0, cold_start_examples = 0;
  int operands = 0, max_value = 0;  // the task's shape
  std::string example;              // its first training question
  std::string think_format;         // of the cold start (rl/arithmetic_task.h)
  std::string worked_example;       // the first cold-start answer
  double lr = 0;                    // GRPO's learning rate, both routes
  ArithmeticProbe base_steps;       // single steps of held-out answers the base model completes
  long cold_start_steps = 0;
  double cold_start_epochs = 0;      // run, of the preset's (fewer when it met its target)
  double cold_start_target = 0;      // validation accuracy to stop at (0: none)
  int cold_start_check_items = 0;    // validation problems
  bool cold_start_at_target = false;
  PlotSeries cold_start_check;       // validation greedy accuracy over cold-start steps
  double cold_start_seconds = 0;
  GrpoRouteRecord r1, r1zero;
};

// Runs both routes under out_dir/rl: task/, cold_start/, r1/, r1zero/.
GrpoStageRecord run_grpo_stage(const SpeedrunPreset& preset, const std::string& out_dir,
                               const std::string& base_model_dir, uint64_t seed, bool resume,
                               Precision precision);

// The report section (writes out_dir/plots/grpo.svg) and report.json's "grpo".
std::string grpo_report_markdown(const GrpoStageRecord& r, const std::string& out_dir);
nlohmann::json grpo_report_json(const GrpoStageRecord& r);

}  // namespace llmforge
