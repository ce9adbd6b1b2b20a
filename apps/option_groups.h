// The option groups commands draw from, declared once so that one idea has one
// name everywhere and its default comes from the struct that holds the setting
// (PretrainConfig, SftConfig, ModelConfig, ...). The vocabulary is in the README
// ("Command-line vocabulary"):
//   model shape         --dim --layers --heads --kv-heads --ffn --vocab --seq
//                       --rope-theta --norm-eps --tied --value-head
//   optimizer, schedule --lr --min-lr-ratio --warmup --schedule --decay-fraction
//                       --weight-decay --beta1 --beta2 --grad-clip
//   batch               --micro-batch (rows per forward/backward) --accum
//                       (micro-batches per process per step)
//   run, checkpoints    --out --steps --seed --eval-every --checkpoint-every --keep
//                       --max-bad-steps --log-interval --resume
//   precision, threads  --precision --threads --weights
//   model directory     --model --tokenizer
//   response sampling   --max-new-tokens --temperature --top-p (commands that
//                       generate data or rollouts)
//   sampling            infer/sampler_options.h (--temperature --top-k ...)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/cli_options.h"
#include "infer/tool_calls.h"
#include "kernels/precision.h"
#include "kernels/weights.h"
#include "model/config.h"
#include "train/adamw.h"
#include "train/lr_schedule.h"

namespace llmforge {

// Model shape. Reading validates the result (throws Error("config")).
void add_model_shape_options(CliOptions& opts, const ModelConfig& defaults);
ModelConfig model_config_from_options(const CliOptions& opts);
// The shape options given on the command line, as "--dim", "--seq", ...
std::vector<std::string> shape_options_on_command_line(const CliOptions& opts);

// "a,b,,c" -> {"a", "b", "c"}: the items of a comma-separated option value, empty ones dropped.
std::vector<std::string> split_comma_list(const std::string& value);

// Optimizer and learning-rate schedule (total_steps is the run's business).
void add_optimizer_options(CliOptions& opts, const LrSchedule& schedule, const AdamWConfig& adamw);
void optimizer_from_options(const CliOptions& opts, LrSchedule& schedule, AdamWConfig& adamw);

struct BatchSettings {
  int micro_batch = 8;  // rows per forward/backward
  int accum = 1;        // micro-batches per process per optimizer step
};
void add_batch_options(CliOptions& opts, const BatchSettings& defaults);
BatchSettings batch_from_options(const CliOptions& opts);  // throws unless positive

struct RunSettings {
  std::string out;
  long steps = 0;
  uint64_t seed = 1;
  int eval_every = 0, checkpoint_every = 0, keep = 2, max_bad_steps = 5;
  double log_interval_s = 10.0;
  bool resume = false;
};
// `out_help` and `steps_help` say what the command writes and counts.
void add_run_options(CliOptions& opts, const RunSettings& defaults, const std::string& out_help,
                     const std::string& steps_help);
RunSettings run_from_options(const CliOptions& opts);  // checks the intervals
// Copies the settings into a stage's config (PretrainConfig, SftConfig, ...: any
// with these field names), so each command does not repeat the list.
template <class StageConfig>
void apply_run_settings(const RunSettings& run, StageConfig& cfg) {
  cfg.out_dir = run.out;
  cfg.steps = run.steps;
  cfg.seed = run.seed;
  cfg.eval_every = run.eval_every;
  cfg.checkpoint_every = run.checkpoint_every;
  cfg.keep_checkpoints = run.keep;
  cfg.max_bad_steps = run.max_bad_steps;
  cfg.log_interval_s = run.log_interval_s;
  cfg.resume = run.resume;
}

// The model a command starts from: --model DIR (`model_help` says which model) and
// --tokenizer, for a model directory without tokenizer.json. What is required is
// the command's to check (it differs from command to command).
void add_model_dir_options(CliOptions& opts, const std::string& model_help);
struct ModelDirSettings {
  std::string model, tokenizer;
};
ModelDirSettings model_dir_from_options(const CliOptions& opts);
// Copies them into a config with fields model_dir and tokenizer.
template <class StageConfig>
void apply_model_dir_settings(const ModelDirSettings& m, StageConfig& cfg) {
  cfg.model_dir = m.model;
  cfg.tokenizer = m.tokenizer;
}

// How a command that generates responses (rl grpo, rl ppo, rm data) samples them.
// `loss_uses_temperature`: the RL losses compute log-probs at the sampling
// temperature, which the help says.
struct ResponseSampling {
  int max_new_tokens = 0;
  double temperature = 1.0, top_p = 1.0;
};
void add_response_sampling_options(CliOptions& opts, const ResponseSampling& defaults,
                                   bool loss_uses_temperature = false);
ResponseSampling response_sampling_from_options(const CliOptions& opts);
// Copies them into a config with fields max_new_tokens, temperature and top_p.
template <class StageConfig>
void apply_response_sampling(const ResponseSampling& r, StageConfig& cfg) {
  cfg.max_new_tokens = r.max_new_tokens;
  cfg.temperature = r.temperature;
  cfg.top_p = r.top_p;
}

void add_precision_option(CliOptions& opts);
Precision precision_from_options(const CliOptions& opts);

// --weights f32|bf16|q8_0: the type inference stores and multiplies the matrices in
// (generate, chat, serve; infer/weight_store.h).
void add_weights_option(CliOptions& opts);
WeightType weights_from_options(const CliOptions& opts);

// --threads: worker threads of `what` (0: all cores). Matrix products use
// OMP_NUM_THREADS instead.
void add_threads_option(CliOptions& opts, const std::string& what);
int threads_from_options(const CliOptions& opts);  // throws when negative

// The search tool (generate --chat, chat, serve, eval): --index DIR, --search-k,
// --max-tool-calls, --tool-result-tokens. Without --index no tool is offered.
void add_tool_options(CliOptions& opts);
ToolSettings tool_settings_from_options(const CliOptions& opts);  // throws unless positive
int search_k_from_options(const CliOptions& opts);
// One line per call for a terminal: the query and its hits, or the error.
std::string describe_tool_event(const ToolEvent& event);

// A default as --help shows it: "0.02", "3", "1e-08".
std::string option_number(double v);

}  // namespace llmforge
