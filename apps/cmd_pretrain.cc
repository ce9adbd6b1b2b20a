// `llmforge pretrain`: token shards in, base model out. Settings come from, in
// order of precedence: the command line, a JSON config file (--config; keys are the
// option names), a preset (--preset), and the built-in defaults.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/atomic_file.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "core/log.h"
#include "pretrain/pretrain.h"
#include "train/checkpoint.h"
#include "train/distributed.h"

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

// "--dim, --seq"
std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
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
  const PretrainConfig d;  // the defaults
  opts.add("data", "", "data pipeline output directory (or a folder of shards) (required)")
      .add("tokenizer", "", "tokenizer (model dir, tokenizer.json, .tiktoken or name): samples, bits per byte, model dir")
      .add("config", "", "JSON file of settings (keys are these option names)")
      .add("preset", "tiny", "model and batch preset: tiny (~1M), small (~14M), medium (~50M), gpt2 (124M)")
      .add("init-from", "", "start from this model directory instead of random weights (its shape wins)");
  add_run_options(opts,
                  {d.out_dir, d.steps, d.seed, d.eval_every, d.checkpoint_every, d.keep_checkpoints,
                   d.max_bad_steps, d.log_interval_s, d.resume},
                  "output: checkpoints/, metrics.jsonl, model/", "optimizer steps");
  add_batch_options(opts, {d.micro_batch, 1});
  opts.add("batch-tokens", std::to_string(d.batch_tokens),
           "tokens per optimizer step over all processes, instead of --accum (0: from --accum)");
  add_optimizer_options(opts, d.schedule, d.adamw);
  add_precision_option(opts);
  opts.add("init-std", option_number(d.init_std), "standard deviation of initial weights")
      .add("eval-windows", std::to_string(d.eval_windows), "validation windows (fixed, from val shards)")
      .add("sample-every", std::to_string(d.sample_every), "steps between text samples (0: only at the end)")
      .add("prompts", "", "sample prompts separated by |")
      .add("sample-tokens", std::to_string(d.sample_tokens), "tokens per sample")
      .add_flag("align-docs", "start training windows at document starts", d.align_to_documents);
  add_model_shape_options(opts, pretrain_preset("tiny").model);
  for (const char* preset_filled : {"dim", "layers", "heads", "kv-heads", "ffn", "seq", "tied", "micro-batch",
                                    "batch-tokens", "lr", "steps", "warmup"})
    opts.set_default_note(preset_filled, "from --preset");
  if (!opts.parse(argc, argv)) return 0;
  if (!opts.get("config").empty()) apply_config_file(opts, opts.get("config"));
  if (opts.given("accum") && opts.given("batch-tokens")) {
    ErrorBuilder("cli") << "give --accum or --batch-tokens, not both";
  }
  const bool accum_given = opts.given("accum");
  apply_preset(opts, opts.get("preset"));
  if (opts.get("data").empty()) ErrorBuilder("cli") << "--data is required";

  PretrainConfig cfg;
  cfg.data_dir = opts.get("data");
  cfg.tokenizer = opts.get("tokenizer");
  cfg.init_from = opts.get("init-from");
  cfg.align_to_documents = opts.get_bool("align-docs");
  const std::vector<std::string> shape = shape_options_on_command_line(opts);
  if (!cfg.init_from.empty() && !shape.empty()) {
    ErrorBuilder("cli") << "--init-from " << cfg.init_from << " brings its own shape; remove " << join(shape);
  }
  opts.set_if_absent("vocab", "1");  // the shards decide the vocabulary
  cfg.model = model_config_from_options(opts);
  apply_run_settings(run_from_options(opts), cfg);
  if (cfg.resume && !shape.empty() && !read_checkpoint_pointer(cfg.out_dir + "/checkpoints/latest").empty()) {
    LLMF_LOG(Warn) << "--resume continues the checkpoint in " << cfg.out_dir << ", whose shape wins: "
                   << join(shape) << " ignored";
  }
  const BatchSettings batch = batch_from_options(opts);
  cfg.micro_batch = batch.micro_batch;
  cfg.batch_tokens = accum_given ? 0 : opts.get_int("batch-tokens");
  cfg.grad_accum = batch.accum;
  optimizer_from_options(opts, cfg.schedule, cfg.adamw);
  cfg.precision = precision_from_options(opts);
  cfg.init_std = float(opts.get_double("init-std"));
  cfg.eval_windows = int(opts.get_int("eval-windows"));
  cfg.sample_every = int(opts.get_int("sample-every"));
  cfg.sample_prompts = split_prompts(opts.get("prompts"));
  cfg.sample_tokens = int(opts.get_int("sample-tokens"));

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
