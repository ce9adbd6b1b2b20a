#include "apps/model_options.h"

#include <sstream>

namespace llmforge {

static std::string str(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

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

}  // namespace llmforge
