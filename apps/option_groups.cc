#include "apps/option_groups.h"

#include <sstream>

#include "core/error.h"

namespace llmforge {

std::string option_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

static std::string str(double v) {
  return option_number(v);
}

static const char* const kShapeOptions[] = {"dim",      "layers", "heads",     "kv-heads",
                                            "ffn",      "vocab",  "seq",       "rope-theta",
                                            "norm-eps", "tied",   "value-head"};

void add_model_shape_options(CliOptions& opts, const ModelConfig& d) {
  opts.add("dim", std::to_string(d.dim), "model width (hidden_size)")
      .add("layers", std::to_string(d.n_layers), "transformer blocks")
      .add("heads", std::to_string(d.n_heads), "attention heads")
      .add("kv-heads", d.n_kv_heads == d.n_heads ? "" : std::to_string(d.n_kv_heads),
           "key/value heads, GQA when fewer than --heads (none: as many as --heads)")
      .add("ffn", std::to_string(d.ffn_dim), "SwiGLU hidden size (intermediate_size)")
      .add("vocab", std::to_string(d.vocab_size), "vocabulary size")
      .add("seq", std::to_string(d.max_seq_len), "context length (max_position_embeddings)")
      .add("rope-theta", str(d.rope_theta), "rotary embedding base")
      .add("norm-eps", str(d.norm_eps), "RMSNorm epsilon")
      .add_flag("tied", "tie the LM head to the token embedding", d.tie_embeddings)
      .add_flag("value-head", "add a scalar value head (reward models, critics)", d.value_head);
}

ModelConfig model_config_from_options(const CliOptions& opts) {
  ModelConfig c;
  c.dim = int(opts.get_int("dim"));
  c.n_layers = int(opts.get_int("layers"));
  c.n_heads = int(opts.get_int("heads"));
  c.n_kv_heads = opts.get("kv-heads").empty() ? c.n_heads : int(opts.get_int("kv-heads"));
  c.ffn_dim = int(opts.get_int("ffn"));
  c.vocab_size = int(opts.get_int("vocab"));
  c.max_seq_len = int(opts.get_int("seq"));
  c.rope_theta = float(opts.get_double("rope-theta"));
  c.norm_eps = float(opts.get_double("norm-eps"));
  c.tie_embeddings = opts.get_bool("tied");
  c.value_head = opts.get_bool("value-head");
  c.validate();
  return c;
}

std::vector<std::string> split_comma_list(const std::string& value) {
  std::vector<std::string> out;
  std::stringstream ss(value);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<std::string> shape_options_on_command_line(const CliOptions& opts) {
  std::vector<std::string> given;
  for (const char* name : kShapeOptions)
    if (opts.has(name) && opts.on_command_line(name)) given.push_back(std::string("--") + name);
  return given;
}

static const char* schedule_name(LrSchedule::Kind k) {
  switch (k) {
    case LrSchedule::Kind::kCosine:
      return "cosine";
    case LrSchedule::Kind::kWsd:
      return "wsd";
    case LrSchedule::Kind::kConstant:
      return "constant";
  }
  return "cosine";
}

void add_optimizer_options(CliOptions& opts, const LrSchedule& s, const AdamWConfig& a) {
  opts.add("lr", str(s.max_lr), "peak learning rate")
      .add("min-lr-ratio", str(s.max_lr > 0 ? s.min_lr / s.max_lr : 0.1),
           "final learning rate as a fraction of the peak")
      .add("warmup", std::to_string(s.warmup_steps), "linear warmup steps")
      .add("schedule", schedule_name(s.kind), "decay after warmup: cosine, wsd or constant")
      .add("decay-fraction", str(s.decay_fraction), "WSD: fraction of steps spent decaying")
      .add("weight-decay", str(a.weight_decay), "AdamW decoupled weight decay (linear layers only)")
      .add("beta1", str(a.beta1), "AdamW beta1")
      .add("beta2", str(a.beta2), "AdamW beta2")
      .add("grad-clip", str(a.grad_clip), "max global gradient norm (0 disables)");
}

void optimizer_from_options(const CliOptions& opts, LrSchedule& s, AdamWConfig& a) {
  s.kind = parse_lr_schedule(opts.get("schedule"));
  s.max_lr = opts.get_double("lr");
  s.min_lr = opts.get_double("lr") * opts.get_double("min-lr-ratio");
  s.warmup_steps = opts.get_int("warmup");
  s.decay_fraction = opts.get_double("decay-fraction");
  a.weight_decay = opts.get_double("weight-decay");
  a.beta1 = opts.get_double("beta1");
  a.beta2 = opts.get_double("beta2");
  a.grad_clip = opts.get_double("grad-clip");
  if (!(s.max_lr > 0)) ErrorBuilder("cli") << "--lr must be positive";
  if (s.warmup_steps < 0) ErrorBuilder("cli") << "--warmup must not be negative";
}

void add_batch_options(CliOptions& opts, const BatchSettings& d) {
  opts.add("micro-batch", std::to_string(d.micro_batch), "rows (sequences) per forward/backward")
      .add("accum", std::to_string(d.accum), "micro-batches per process per optimizer step");
}

BatchSettings batch_from_options(const CliOptions& opts) {
  BatchSettings b;
  b.micro_batch = int(opts.get_int("micro-batch"));
  b.accum = int(opts.get_int("accum"));
  if (b.micro_batch <= 0) ErrorBuilder("cli") << "--micro-batch must be positive";
  if (b.accum <= 0) ErrorBuilder("cli") << "--accum must be positive";
  return b;
}

void add_run_options(CliOptions& opts, const RunSettings& d, const std::string& out_help,
                     const std::string& steps_help) {
  opts.add("out", d.out, out_help)
      .add("steps", std::to_string(d.steps), steps_help)
      .add("seed", std::to_string(d.seed), "seed for initialisation and data order")
      .add("eval-every", std::to_string(d.eval_every),
           "steps between validation losses (and at the end)")
      .add("checkpoint-every", std::to_string(d.checkpoint_every),
           "steps between checkpoints (0: only at the end)")
      .add("keep", std::to_string(d.keep), "recent checkpoints kept (the best one is kept too)")
      .add("max-bad-steps", std::to_string(d.max_bad_steps),
           "stop after this many non-finite steps in a row")
      .add("log-interval", str(d.log_interval_s),
           "seconds between progress lines when not on a terminal")
      .add_flag("resume", "continue from the latest checkpoint in --out");
}

RunSettings run_from_options(const CliOptions& opts) {
  RunSettings r;
  r.out = opts.get("out");
  r.steps = opts.get_int("steps");
  r.seed = uint64_t(opts.get_int("seed"));
  r.eval_every = int(opts.get_int("eval-every"));
  r.checkpoint_every = int(opts.get_int("checkpoint-every"));
  r.keep = int(opts.get_int("keep"));
  r.max_bad_steps = int(opts.get_int("max-bad-steps"));
  r.log_interval_s = opts.get_double("log-interval");
  r.resume = opts.get_bool("resume");
  if (r.out.empty()) ErrorBuilder("cli") << "--out must not be empty";
  if (r.steps < 0) ErrorBuilder("cli") << "--steps must not be negative";
  if (r.eval_every <= 0) ErrorBuilder("cli") << "--eval-every must be positive";
  if (r.checkpoint_every < 0) ErrorBuilder("cli") << "--checkpoint-every must not be negative";
  if (r.keep < 1) ErrorBuilder("cli") << "--keep must be at least 1";
  if (r.max_bad_steps < 1) ErrorBuilder("cli") << "--max-bad-steps must be at least 1";
  return r;
}

void add_model_dir_options(CliOptions& opts, const std::string& model_help) {
  opts.add("model", "", model_help).add("tokenizer", "", "tokenizer, when the model directory has no tokenizer.json");
}

ModelDirSettings model_dir_from_options(const CliOptions& opts) {
  return {opts.get("model"), opts.get("tokenizer")};
}

void add_response_sampling_options(CliOptions& opts, const ResponseSampling& d,
                                   bool loss_uses_temperature) {
  opts.add("max-new-tokens", std::to_string(d.max_new_tokens), "response limit in tokens")
      .add("temperature", str(d.temperature),
           loss_uses_temperature ? "sampling temperature (the loss's log-probs use it too)" : "sampling temperature")
      .add("top-p", str(d.top_p), "nucleus sampling (1: off)");
}

ResponseSampling response_sampling_from_options(const CliOptions& opts) {
  ResponseSampling r;
  r.max_new_tokens = int(opts.get_int("max-new-tokens"));
  r.temperature = opts.get_double("temperature");
  r.top_p = opts.get_double("top-p");
  return r;
}

void add_precision_option(CliOptions& opts) {
  opts.add("precision", precision_name(Precision::kFp32), "matrix-product inputs: fp32 or bf16");
}

Precision precision_from_options(const CliOptions& opts) {
  return parse_precision(opts.get("precision"));
}

void add_weights_option(CliOptions& opts) {
  opts.add("weights", "f32",
           "inference weight storage: f32, bf16 or q8_0 (GGUF's 8-bit blocks; fewer bytes per "
           "token, faster decode)");
}

WeightType weights_from_options(const CliOptions& opts) {
  return parse_weight_type(opts.get("weights"));
}

void add_threads_option(CliOptions& opts, const std::string& what) {
  opts.add("threads", "0", what + " threads (0: all cores)");
}

int threads_from_options(const CliOptions& opts) {
  const int64_t n = opts.get_int("threads");
  if (n < 0) ErrorBuilder("cli") << "--threads must not be negative";
  return int(n);
}

void add_tool_options(CliOptions& opts) {
  const ToolSettings d;
  opts.add("index", "", "search index (llmforge index build) the model may search; none: no tools")
      .add("search-k", "2", "pages a search returns into the context (best first)")
      .add("max-tool-calls", std::to_string(d.max_calls), "tool calls per reply at most")
      .add("tool-result-tokens", std::to_string(d.max_result_tokens), "a tool result is cut to this many tokens");
}

ToolSettings tool_settings_from_options(const CliOptions& opts) {
  ToolSettings t;
  t.max_calls = int(opts.get_int("max-tool-calls"));
  t.max_result_tokens = int(opts.get_int("tool-result-tokens"));
  if (t.max_calls < 1) ErrorBuilder("cli") << "--max-tool-calls must be positive";
  if (t.max_result_tokens < 1) ErrorBuilder("cli") << "--tool-result-tokens must be positive";
  return t;
}

int search_k_from_options(const CliOptions& opts) {
  const int64_t k = opts.get_int("search-k");
  if (k < 1) ErrorBuilder("cli") << "--search-k must be positive";
  return int(k);
}

std::string describe_tool_event(const ToolEvent& e) {
  std::string out;
  if (e.error) {
    out = "[tool error] " + e.result + (e.call_text.empty() ? "" : " (call: " + e.call_text + ")");
    return out;
  }
  out = "[" + e.call.name + " " + e.call.arguments + "] " + std::to_string(e.hits.size()) + " hit(s), " +
        std::to_string(e.result_tokens) + " tokens into the context" + (e.truncated ? " (cut)" : "");
  for (size_t i = 0; i < e.hits.size(); ++i) {
    out += "\n  " + std::to_string(i + 1) + ". " + e.hits[i].title + " <" + e.hits[i].url + ">";
  }
  return out;
}

}  // namespace llmforge
