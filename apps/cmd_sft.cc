// `llmforge sft`: supervised fine-tuning of a base model on JSONL chat conversations
// ({"messages": [{"role": ..., "content": ...}, ...]} a line); writes <out>/model,
// ready for `llmforge chat` and `llmforge serve`.
#include <cstdio>

#include "apps/command.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "sft/sft.h"

namespace llmforge {
namespace {

int run_sft_command(int argc, char** argv) {
  CliOptions opts("llmforge sft --model DIR --train FILE.jsonl [options]",
                  "Fine-tunes a base model on chat conversations, one JSON object a line:\n"
                  "  {\"messages\": [{\"role\": \"system|user|assistant\", \"content\": \"...\"}, ...]}\n"
                  "The loss covers only what the assistant writes (and its closing <|end|>).");
  opts.add("model", "", "base model directory (config.json, model.safetensors, tokenizer.json) (required)")
      .add("tokenizer", "", "tokenizer, when the model directory has no tokenizer.json")
      .add("train", "", "training conversations, JSONL (required)")
      .add("val", "", "validation conversations, JSONL")
      .add("out", "runs/sft", "output: checkpoints/, metrics.jsonl, model/")
      .add("steps", "0", "optimizer steps (0: from --epochs)")
      .add("epochs", "3", "passes over the training conversations when --steps is 0")
      .add("batch", "8", "rows per micro-batch")
      .add("accum", "1", "micro-batches per optimizer step")
      .add("seq", "0", "tokens per row (0: the model's context); longer conversations are dropped")
      .add("packing", "pack", "pack: several conversations per row; pad: one conversation per row")
      .add("lr", "3e-4", "peak learning rate")
      .add("min-lr", "3e-5", "final learning rate of the cosine decay")
      .add("warmup", "10", "linear warmup steps")
      .add("schedule", "cosine", "decay after warmup: cosine, wsd or constant")
      .add("weight-decay", "0", "AdamW decoupled weight decay (linear layers only)")
      .add("grad-clip", "1.0", "max global gradient norm (0 disables)")
      .add("precision", "fp32", "matrix-product inputs: fp32 or bf16")
      .add("seed", "1", "seed for the order of conversations")
      .add("eval-every", "50", "steps between validation losses")
      .add("checkpoint-every", "200", "steps between checkpoints (0: only at the end)")
      .add("keep", "2", "recent checkpoints kept (the best one is kept too)")
      .add("log-interval", "10", "seconds between progress lines when not on a terminal")
      .add_flag("resume", "continue from the latest checkpoint in --out");
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
  cfg.out_dir = opts.get("out");
  cfg.steps = opts.get_int("steps");
  cfg.epochs = opts.get_double("epochs");
  cfg.micro_batch = int(opts.get_int("batch"));
  cfg.grad_accum = int(opts.get_int("accum"));
  cfg.seq_len = int(opts.get_int("seq"));
  cfg.packing = packing == "pack";
  cfg.schedule.kind = parse_lr_schedule(opts.get("schedule"));
  cfg.schedule.max_lr = opts.get_double("lr");
  cfg.schedule.min_lr = opts.get_double("min-lr");
  cfg.schedule.warmup_steps = opts.get_int("warmup");
  cfg.adamw.weight_decay = opts.get_double("weight-decay");
  cfg.adamw.grad_clip = opts.get_double("grad-clip");
  cfg.precision = parse_precision(opts.get("precision"));
  cfg.seed = uint64_t(opts.get_int("seed"));
  cfg.eval_every = int(opts.get_int("eval-every"));
  cfg.checkpoint_every = int(opts.get_int("checkpoint-every"));
  cfg.keep_checkpoints = int(opts.get_int("keep"));
  cfg.log_interval_s = opts.get_double("log-interval");
  cfg.resume = opts.get_bool("resume");
  if (cfg.seq_len < 0) ErrorBuilder("cli") << "--seq must not be negative";
  if (cfg.eval_every <= 0) ErrorBuilder("cli") << "--eval-every must be positive";
  if (cfg.keep_checkpoints < 1) ErrorBuilder("cli") << "--keep must be at least 1";

  SftSummary s = run_sft(cfg);
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
