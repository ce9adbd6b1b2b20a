// `llmforge sft`: supervised fine-tuning of a base model on JSONL chat conversations
// ({"messages": [{"role": ..., "content": ...}, ...]} a line); writes <out>/model,
// ready for `llmforge chat` and `llmforge serve`.
#include <algorithm>
#include <cstdio>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "sft/sft.h"
#include "train/distributed.h"

namespace llmforge {
namespace {

int run_sft_command(int argc, char** argv) {
  CliOptions opts("llmforge sft --model DIR --train FILE.jsonl [options]",
                  "Fine-tunes a base model on chat conversations, one JSON object a line:\n"
                  "  {\"messages\": [{\"role\": \"system|user|assistant\", \"content\": \"...\"}, ...]}\n"
                  "The loss covers only what the assistant writes (and its closing <|end|>).\n"
                  "Multi-process: mpirun -np N llmforge sft ...");
  const SftConfig d;  // the defaults
  opts.add("model", "", "base model directory (config.json, model.safetensors, tokenizer.json) (required)")
      .add("tokenizer", "", "tokenizer, when the model directory has no tokenizer.json")
      .add("train", "", "training conversations, JSONL (required)")
      .add("val", "", "validation conversations, JSONL");
  add_run_options(opts,
                  {d.out_dir, d.steps, d.seed, d.eval_every, d.checkpoint_every, d.keep_checkpoints,
                   d.max_bad_steps, d.log_interval_s, d.resume},
                  "output: checkpoints/, metrics.jsonl, model/", "optimizer steps (0: from --epochs)");
  opts.add("epochs", option_number(d.epochs), "passes over the training conversations when --steps is 0");
  add_batch_options(opts, {d.micro_batch, d.grad_accum});
  opts.add_alias("batch", "micro-batch")
      .add("seq", std::to_string(d.seq_len), "tokens per row (0: the model's context); longer conversations are dropped")
      .add("packing", d.packing ? "pack" : "pad", "pack: several conversations per row; pad: one conversation per row");
  opts.add("replay", "", "token shards of pretraining text (a data pipeline output) to replay during fine-tuning")
      .add("replay-rows", std::to_string(d.replay_rows), "rows of replayed text added to each micro-batch")
      .add("replay-weight", option_number(d.replay_weight), "loss weight of a replayed token (an assistant token: 1)");
  add_optimizer_options(opts, d.schedule, d.adamw);
  opts.add("min-lr", "", "deprecated: the final learning rate itself; use --min-lr-ratio");
  add_precision_option(opts);
  if (!opts.parse(argc, argv)) return 0;
  if (opts.get("model").empty()) ErrorBuilder("cli") << "--model DIR is required";
  if (opts.get("train").empty()) ErrorBuilder("cli") << "--train FILE is required";
  const std::string packing = opts.get("packing");
  if (packing != "pack" && packing != "pad") {
    ErrorBuilder("cli") << "--packing must be pack or pad, not '" << packing << "'";
  }

  SftConfig cfg;
  cfg.model_dir = opts.get("model");
  cfg.tokenizer = opts.get("tokenizer");
  cfg.train_file = opts.get("train");
  cfg.val_file = opts.get("val");
  apply_run_settings(run_from_options(opts), cfg);
  cfg.epochs = opts.get_double("epochs");
  const BatchSettings batch = batch_from_options(opts);
  cfg.micro_batch = batch.micro_batch;
  cfg.grad_accum = batch.accum;
  cfg.seq_len = int(opts.get_int("seq"));
  cfg.packing = packing == "pack";
  cfg.replay_data = opts.get("replay");
  cfg.replay_rows = int(opts.get_int("replay-rows"));
  cfg.replay_weight = opts.get_double("replay-weight");
  if (!cfg.replay_data.empty() && !opts.given("replay-rows")) cfg.replay_rows = std::max(1, cfg.micro_batch / 4);
  optimizer_from_options(opts, cfg.schedule, cfg.adamw);
  if (opts.given("min-lr")) {
    if (opts.given("min-lr-ratio")) ErrorBuilder("cli") << "give --min-lr-ratio or the deprecated --min-lr, not both";
    std::fprintf(stderr, "warning: --min-lr is deprecated; use --min-lr-ratio (a fraction of --lr)\n");
    cfg.schedule.min_lr = opts.get_double("min-lr");
  }
  cfg.precision = precision_from_options(opts);
  if (cfg.seq_len < 0) ErrorBuilder("cli") << "--seq must not be negative";

  Distributed dist;
  SftSummary s = run_sft(cfg, dist);
  if (!dist.is_root()) return s.model_dir.empty() ? 1 : 0;
  std::printf("%ld steps on %ld conversations (%ld dropped as too long), %.0f tokens/s\n",
              s.steps_done, s.train_conversations, s.dropped_too_long, s.tokens_per_s);
  std::printf("final training loss %.4f", s.train_loss);
  if (s.val_loss >= 0) {
    std::printf(", validation %.4f", s.val_loss);
    if (!s.val_losses.empty()) std::printf(" (first %.4f)", s.val_losses.front().second);
  }
  std::printf("\n");
  if (s.model_dir.empty()) return 1;
  std::printf("model written to %s\n", s.model_dir.c_str());
  std::printf("chat with it:  llmforge chat --model %s\n", s.model_dir.c_str());
  std::printf("plot the run:  llmforge plot --metrics %s/metrics.jsonl --out %s/curves.svg\n",
              cfg.out_dir.c_str(), cfg.out_dir.c_str());
  return 0;
}

const bool kRegistered = register_command(
    {"sft", "supervised fine-tuning on JSONL chat conversations (assistant tokens only)",
     run_sft_command});

}  // namespace
}  // namespace llmforge
