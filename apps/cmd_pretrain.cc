// `llmforge pretrain`: token shards in, base model out. Settings come from, in
// order of precedence: the command line, a JSON config file (--config; keys are the
// option names), a preset (--preset), and the built-in defaults.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/command.h"
#include "apps/model_options.h"
#include "core/atomic_file.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "pretrain/distributed.h"
#include "pretrain/pretrain.h"

namespace llmforge {
namespace {

std::string json_value_to_string(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_array()) {  // a list of prompts
    std::string out;
    for (const auto& e : v) out += (out.empty() ? "" : "|") + json_value_to_string(e);
    return out;
  }
  return v.dump();
}

void apply_config_file(CliOptions& opts, const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    ErrorBuilder("pretrain") << path << ": not valid JSON: " << e.what();
  }
  if (!j.is_object()) ErrorBuilder("pretrain") << path << ": expected a JSON object";
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string name = it.key();
    for (char& c : name)
      if (c == '_') c = '-';
    if (!opts.has(name) || name == "config") {
      ErrorBuilder("pretrain") << path << ": unknown setting \"" << it.key()
                               << "\" (see llmforge pretrain --help)";
    }
    opts.set_if_absent(name, json_value_to_string(*it));
  }
}

void apply_preset(CliOptions& opts, const std::string& name) {
  PretrainPreset p = pretrain_preset(name);
  const ModelConfig& m = p.model;
  for (auto [key, value] : std::initializer_list<std::pair<const char*, std::string>>{
           {"dim", std::to_string(m.dim)},
           {"layers", std::to_string(m.n_layers)},
           {"heads", std::to_string(m.n_heads)},
           {"kv-heads", std::to_string(m.n_kv_heads)},
           {"ffn", std::to_string(m.ffn_dim)},
           {"seq", std::to_string(m.max_seq_len)},
           {"tied", m.tie_embeddings ? "true" : "false"},
           {"micro-batch", std::to_string(p.micro_batch)},
           {"batch-tokens", std::to_string(p.batch_tokens)},
           {"lr", std::to_string(p.lr)},
           {"steps", std::to_string(p.steps)},
           {"warmup", std::to_string(p.warmup)}})
    opts.set_if_absent(key, value);
}

std::vector<std::string> split_prompts(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, '|'))
    if (!item.empty()) out.push_back(item);
  return out;
}

int run_pretrain(int argc, char** argv) {
  CliOptions opts("llmforge pretrain --data DIR [options]",
                  "Pretrains a base model on the data pipeline's token shards (DIR/tokens/train-*.bin,\n"
                  "validation from val-*.bin). Multi-process: mpirun -np N llmforge pretrain ...\n"
                  "Precedence: command line > --config file > --preset > defaults.");
  opts.add("data", "", "data pipeline output directory (or a folder of shards) (required)")
      .add("tokenizer", "", "tokenizer (model dir, tokenizer.json, .tiktoken or name): samples, bits per byte, model dir")
      .add("out", "runs/pretrain", "output: checkpoints/, metrics.jsonl, model/")
      .add("config", "", "JSON file of settings (keys are these option names)")
      .add("preset", "tiny", "model and batch preset: tiny (~1M), small (~14M), medium (~50M), gpt2 (124M)")
      .add("init-from", "", "start from this model directory instead of random weights")
      .add("steps", "1000", "optimizer steps")
      .add("micro-batch", "8", "sequences per forward/backward")
      .add("batch-tokens", "0", "tokens per optimizer step over all processes (gradient accumulation); 0 = one micro-batch")
      .add("lr", "3e-3", "peak learning rate")
      .add("min-lr-ratio", "0.1", "final learning rate as a fraction of the peak")
      .add("warmup", "50", "linear warmup steps")
      .add("schedule", "cosine", "decay after warmup: cosine, wsd or constant")
      .add("decay-fraction", "0.2", "WSD: fraction of steps spent decaying")
      .add("weight-decay", "0.1", "AdamW decoupled weight decay (linear layers only)")
      .add("beta1", "0.9", "AdamW beta1")
      .add("beta2", "0.95", "AdamW beta2")
      .add("grad-clip", "1.0", "max global gradient norm (0 disables)")
      .add("precision", "fp32", "matrix-product inputs: fp32 or bf16")
      .add("seed", "1", "seed for initialisation and data order")
      .add("init-std", "0.02", "standard deviation of initial weights")
      .add("eval-every", "100", "steps between validation losses")
      .add("eval-windows", "32", "validation windows (fixed, from val shards)")
      .add("sample-every", "0", "steps between text samples (0: only at the end)")
      .add("prompts", "", "sample prompts separated by |")
      .add("sample-tokens", "48", "tokens per sample")
      .add("checkpoint-every", "500", "steps between checkpoints")
      .add("keep", "2", "recent checkpoints kept (the best one is kept too)")
      .add("max-bad-steps", "5", "stop after this many non-finite steps in a row")
      .add("log-interval", "10", "seconds between progress lines when not on a terminal")
      .add_flag("align-docs", "start training windows at document starts")
      .add_flag("resume", "continue from the latest checkpoint in --out");
  ModelConfig shape_defaults = pretrain_preset("tiny").model;
  add_model_shape_options(opts, shape_defaults);
  if (!opts.parse(argc, argv)) return 0;
  if (!opts.get("config").empty()) apply_config_file(opts, opts.get("config"));
  apply_preset(opts, opts.get("preset"));
  if (opts.get("data").empty()) ErrorBuilder("cli") << "--data is required";

  PretrainConfig cfg;
  cfg.data_dir = opts.get("data");
  cfg.tokenizer = opts.get("tokenizer");
  cfg.out_dir = opts.get("out");
  cfg.init_from = opts.get("init-from");
  cfg.align_to_documents = opts.get_bool("align-docs");
  opts.set_if_absent("vocab", "1");  // the shards decide the vocabulary
  cfg.model = model_config_from_options(opts);
  cfg.steps = opts.get_int("steps");
  cfg.micro_batch = int(opts.get_int("micro-batch"));
  cfg.batch_tokens = opts.get_int("batch-tokens");
  cfg.schedule.kind = parse_lr_schedule(opts.get("schedule"));
  cfg.schedule.max_lr = opts.get_double("lr");
  cfg.schedule.min_lr = opts.get_double("lr") * opts.get_double("min-lr-ratio");
  cfg.schedule.warmup_steps = opts.get_int("warmup");
  cfg.schedule.decay_fraction = opts.get_double("decay-fraction");
  cfg.adamw.weight_decay = opts.get_double("weight-decay");
  cfg.adamw.beta1 = opts.get_double("beta1");
  cfg.adamw.beta2 = opts.get_double("beta2");
  cfg.adamw.grad_clip = opts.get_double("grad-clip");
  cfg.precision = parse_precision(opts.get("precision"));
  cfg.seed = uint64_t(opts.get_int("seed"));
  cfg.init_std = float(opts.get_double("init-std"));
  cfg.eval_every = int(opts.get_int("eval-every"));
  cfg.eval_windows = int(opts.get_int("eval-windows"));
  cfg.sample_every = int(opts.get_int("sample-every"));
  cfg.sample_prompts = split_prompts(opts.get("prompts"));
  cfg.sample_tokens = int(opts.get_int("sample-tokens"));
  cfg.checkpoint_every = int(opts.get_int("checkpoint-every"));
  cfg.keep_checkpoints = int(opts.get_int("keep"));
  cfg.max_bad_steps = int(opts.get_int("max-bad-steps"));
  cfg.log_interval_s = opts.get_double("log-interval");
  cfg.resume = opts.get_bool("resume");
  if (cfg.eval_every <= 0) ErrorBuilder("cli") << "--eval-every must be positive";
  if (cfg.keep_checkpoints < 1) ErrorBuilder("cli") << "--keep must be at least 1";

  Distributed dist;
  PretrainSummary s = run_pretraining(cfg, dist);
  if (dist.is_root() && !s.model_dir.empty()) {
    std::printf("model written to %s (%ld steps, final loss %.4f", s.model_dir.c_str(), s.steps_done,
                s.train_loss);
    if (s.val_loss >= 0) std::printf(", validation %.4f", s.val_loss);
    if (s.val_bits_per_byte >= 0) std::printf(", %.3f bits/byte", s.val_bits_per_byte);
    std::printf(")\nplot the run: llmforge plot --metrics %s/metrics.jsonl --out %s/curves.svg\n",
                cfg.out_dir.c_str(), cfg.out_dir.c_str());
  }
  return s.stopped_non_finite ? 1 : 0;
}

const bool kRegistered =
    register_command({"pretrain", "pretrain a base model on token shards (MPI-capable)", run_pretrain});

}  // namespace
}  // namespace llmforge
