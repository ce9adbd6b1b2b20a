// The speedrun's `rm` and `rlhf` stages (issue 17):
//   rm     preference data from the world (K responses of the chat model to
//          open-ended prompts, ranked by the hidden gold preference through a noisy
//          rater), then a Bradley-Terry reward model; held-out pair accuracy against
//          a length-only baseline
//   rlhf   PPO against the reward model (actor, critic, frozen reference), and GRPO
//          on the same reward model and prompts; proxy and gold scores against the
//          KL from the reference over the run, and a PPO/GRPO table of memory, time
//          per step and the gold score each policy reaches on held-out prompts
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/svg_plot.h"
#include "rl/gold_eval.h"
#include "rl/grpo.h"
#include "rl/ppo.h"
#include "rl/preference_data.h"
#include "rl/rm_reward.h"
#include "rl/rm_train.h"

namespace llmforge {

struct SpeedrunPreset;

struct RmStageRecord {
  bool ran = false;
  PreferenceDataSummary data;
  RmTrainSummary rm;
  double seconds = 0;
};

struct RlhfRoute {
  std::string name, out_dir;
  long steps = 0;
  double seconds = 0, seconds_per_step = 0;
  double model_mib = 0;  // parameters, gradients and optimizer states of every model held
  double activation_mib = 0;  // the models' activation arenas at their largest (see rlhf_stage.cc)
  // The process's resident memory while the route ran (its high-water mark), and just
  // before it: what the kernel saw, KV caches, rollouts and allocator slack included.
  double peak_resident_mib = 0, resident_before_mib = 0;
  GoldEval eval;         // held-out prompts, after RL
};

struct RlhfStageRecord {
  bool ran = false;
  GoldEval sft;  // the SFT model on the same held-out prompts
  RlhfRoute ppo, grpo;
  PlotSeries proxy_vs_kl, gold_vs_kl, proxy_vs_step, gold_vs_step;
};

// Runs under out_dir/rlhf: prefs/, rm/.
RmStageRecord run_rm_stage(const SpeedrunPreset& preset, const std::string& out_dir, const std::string& sft_model_dir,
                           const std::string& world_dir, uint64_t seed, bool resume, Precision precision);
// Runs under out_dir/rlhf: ppo/, grpo/.
RlhfStageRecord run_rlhf_stage(const SpeedrunPreset& preset, const std::string& out_dir,
                               const std::string& sft_model_dir, const std::string& world_dir,
                               const RmStageRecord& rm, uint64_t seed, bool resume, Precision precision);

// The report section (writes out_dir/plots/rlhf.svg) and report.json's "rlhf".
std::string rlhf_report_markdown(const RmStageRecord& rm, const RlhfStageRecord& r, const std::string& out_dir);
nlohmann::json rlhf_report_json(const RmStageRecord& rm, const RlhfStageRecord& r);

}  // namespace llmforge
