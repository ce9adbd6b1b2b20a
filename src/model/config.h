// The model's shape: a Llama-architecture decoder. Field names follow our style;
// config.json uses Hugging Face LlamaConfig keys (see config_json.cc).
#pragma once

#include <cstdint>
#include <string>

namespace llmforge {

struct ModelConfig {
  int vocab_size = 4096;
  int dim = 384;          // hidden_size
  int ffn_dim = 1024;     // intermediate_size
  int n_layers = 6;       // num_hidden_layers
  int n_heads = 6;        // num_attention_heads
  int n_kv_heads = 6;     // num_key_value_heads; divides n_heads (GQA when smaller)
  int max_seq_len = 256;  // max_position_embeddings
  float norm_eps = 1e-5f;
  float rope_theta = 10000.0f;
  bool tie_embeddings = true;
  bool value_head = false;  // scalar head (Linear dim -> 1) for reward models and critics

  int head_dim() const { return dim / n_heads; }
  int q_dim() const { return n_heads * head_dim(); }
  int kv_dim() const { return n_kv_heads * head_dim(); }

  // Throws Error("config") naming the first invalid field; call before allocating.
  void validate() const;
  int64_t num_parameters() const;
};

// A KV cache for `sequences` x `context` tokens (fp32 keys and values of every
// layer) must fit in this machine's physical memory; otherwise Error("memory")
// with the sizes, max_position_embeddings and `hint` (the options to change).
// Call before allocating one: a context of 1e9 tokens is a clear error, not
// std::bad_alloc.
void check_kv_cache_fits(const ModelConfig& config, int64_t sequences, int64_t context,
                         const std::string& hint);

// config.json <-> ModelConfig. Reading checks types and ranges and names the file.
std::string config_to_json(const ModelConfig& config);
ModelConfig config_from_json(const std::string& text, const std::string& source);

}  // namespace llmforge
