#include "model/config.h"

#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace llmforge {

void ModelConfig::validate() const {
  auto positive = [](const char* name, int64_t v) {
    if (v <= 0) ErrorBuilder("config") << name << " must be positive, got " << v;
  };
  positive("vocab_size", vocab_size);
  positive("dim (hidden_size)", dim);
  positive("ffn_dim (intermediate_size)", ffn_dim);
  positive("n_layers (num_hidden_layers)", n_layers);
  positive("n_heads (num_attention_heads)", n_heads);
  positive("n_kv_heads (num_key_value_heads)", n_kv_heads);
  positive("max_seq_len (max_position_embeddings)", max_seq_len);
  if (dim % n_heads != 0) {
    ErrorBuilder("config") << "n_heads " << n_heads << " does not divide dim " << dim;
  }
  if (n_heads % n_kv_heads != 0) {
    ErrorBuilder("config") << "n_kv_heads " << n_kv_heads << " does not divide n_heads "
                           << n_heads;
  }
  if (head_dim() % 2 != 0) {
    ErrorBuilder("config") << "head dimension " << head_dim()
                           << " (dim / n_heads) must be even for rotary embeddings";
  }
  if (!(norm_eps > 0.0f)) ErrorBuilder("config") << "rms_norm_eps must be positive";
  if (!(rope_theta > 0.0f)) ErrorBuilder("config") << "rope_theta must be positive";
  // Every activation index must fit the 32-bit ints the kernels use per dimension.
  if (int64_t(vocab_size) * dim >= (int64_t(1) << 31)) {
    ErrorBuilder("config") << "vocab_size * dim too large (" << int64_t(vocab_size) * dim << ")";
  }
}

int64_t ModelConfig::num_parameters() const {
  // 128-bit, so that absurd configs (every field near 2^31) give a huge count, not a
  // wrapped one; saturated at INT64_MAX.
  using I = __int128;
  I c = dim, per_layer = 2 * c + c * q_dim() + 2 * c * kv_dim() + I(q_dim()) * c + 3 * c * I(ffn_dim);
  I n = I(vocab_size) * c + I(n_layers) * per_layer + c;
  if (!tie_embeddings) n += I(vocab_size) * c;
  if (value_head) n += c;
  return n > I(INT64_MAX) ? INT64_MAX : int64_t(n);
}

void check_kv_cache_fits(const ModelConfig& c, int64_t sequences, int64_t context,
                         const std::string& hint) {
  const double bytes = 2.0 * c.n_layers * double(sequences) * double(context) * c.kv_dim() * 4;
  const double ram = double(::sysconf(_SC_PHYS_PAGES)) * double(::sysconf(_SC_PAGESIZE));
  if (ram > 0 && bytes > ram) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "%.1f GiB, more than this machine's %.1f GiB of memory",
                  bytes / (1 << 30), ram / (1 << 30));
    ErrorBuilder("memory") << "the KV cache for " << sequences << " sequences of " << context
                           << " tokens needs " << buf << " (max_position_embeddings is "
                           << c.max_seq_len << "); " << hint;
  }
}

std::string config_to_json(const ModelConfig& c) {
  nlohmann::ordered_json j;
  j["architectures"] = {"LlamaForCausalLM"};
  j["model_type"] = "llama";
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.dim;
  j["intermediate_size"] = c.ffn_dim;
  j["num_hidden_layers"] = c.n_layers;
  j["num_attention_heads"] = c.n_heads;
  j["num_key_value_heads"] = c.n_kv_heads;
  j["head_dim"] = c.head_dim();
  j["hidden_act"] = "silu";
  j["max_position_embeddings"] = c.max_seq_len;
  j["rms_norm_eps"] = c.norm_eps;
  j["rope_theta"] = c.rope_theta;
  j["tie_word_embeddings"] = c.tie_embeddings;
  j["attention_bias"] = false;
  j["mlp_bias"] = false;
  j["torch_dtype"] = "float32";
  // Not a LlamaConfig key: marks the scalar value head stored as "score.weight".
  j["value_head"] = c.value_head;
  return j.dump(2) + "\n";
}

ModelConfig config_from_json(const std::string& text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    ErrorBuilder("config") << source << ": not valid JSON: " << e.what();
  }
  if (!j.is_object()) ErrorBuilder("config") << source << ": expected a JSON object";
  ModelConfig c;
  auto get_int = [&](const char* key, int& out, bool required) {
    if (!j.contains(key)) {
      if (required) ErrorBuilder("config") << source << ": missing key \"" << key << "\"";
      return;
    }
    if (!j[key].is_number_integer()) {
      ErrorBuilder("config") << source << ": \"" << key << "\" must be an integer";
    }
    // Read wide and range-check, so 2147483648 is reported as too large, not
    // wrapped into a negative number.
    const bool too_large = j[key].is_number_unsigned()
                               ? j[key].get<uint64_t>() > uint64_t(INT32_MAX)
                               : j[key].get<int64_t>() > INT32_MAX;
    const int64_t v = too_large ? 0 : j[key].get<int64_t>();
    if (too_large || v <= 0) {
      ErrorBuilder("config") << source << ": \"" << key << "\" is " << j[key].dump()
                             << "; expected 1 to " << INT32_MAX;
    }
    out = int(v);
  };
  auto get_float = [&](const char* key, float& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_number()) ErrorBuilder("config") << source << ": \"" << key << "\" must be a number";
    out = j[key].get<float>();
  };
  auto get_bool = [&](const char* key, bool& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_boolean()) ErrorBuilder("config") << source << ": \"" << key << "\" must be true or false";
    out = j[key].get<bool>();
  };
  if (j.contains("model_type") && j["model_type"] != "llama") {
    ErrorBuilder("config") << source << ": model_type " << j["model_type"].dump()
                           << " is not supported (only \"llama\")";
  }
  get_int("vocab_size", c.vocab_size, true);
  get_int("hidden_size", c.dim, true);
  get_int("intermediate_size", c.ffn_dim, true);
  get_int("num_hidden_layers", c.n_layers, true);
  get_int("num_attention_heads", c.n_heads, true);
  c.n_kv_heads = c.n_heads;  // LlamaConfig's default
  get_int("num_key_value_heads", c.n_kv_heads, false);
  get_int("max_position_embeddings", c.max_seq_len, false);
  get_float("rms_norm_eps", c.norm_eps);
  get_float("rope_theta", c.rope_theta);
  c.tie_embeddings = false;  // LlamaConfig's default
  get_bool("tie_word_embeddings", c.tie_embeddings);
  get_bool("value_head", c.value_head);
  if (j.contains("head_dim") && j["head_dim"].is_number_integer() && c.n_heads > 0 &&
      j["head_dim"].get<int64_t>() * c.n_heads != c.dim) {
    ErrorBuilder("config") << source << ": head_dim " << j["head_dim"].dump()
                           << " times num_attention_heads differs from hidden_size (unsupported)";
  }
  if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) {
    ErrorBuilder("config") << source << ": rope_scaling is not supported";
  }
  try {
    c.validate();
  } catch (const Error& e) {
    ErrorBuilder("config") << source << ": " << e.what();
  }
  return c;
}

}  // namespace llmforge
