#include "core/error.h"
#include "pretrain/pretrain.h"

namespace llmforge {

static ModelConfig shape(int dim, int layers, int heads, int kv_heads, int ffn, int seq, bool tied) {
  ModelConfig c;
  c.dim = dim, c.n_layers = layers, c.n_heads = heads, c.n_kv_heads = kv_heads, c.ffn_dim = ffn;
  c.max_seq_len = seq, c.tie_embeddings = tied;
  return c;
}

PretrainPreset pretrain_preset(const std::string& name) {
  // SwiGLU's three matrices get about 8/3 d of width, matching a 4d GELU MLP's size.
  if (name == "tiny") return {shape(128, 4, 4, 4, 384, 256, true), 8, 8 * 256, 3e-3, 1000, 50};
  if (name == "small") return {shape(384, 6, 6, 6, 1024, 256, false), 8, 16 * 256, 1.5e-3, 3000, 100};
  if (name == "medium") return {shape(640, 8, 10, 10, 1792, 512, false), 8, 32 * 512, 1e-3, 5000, 200};
  // GPT-2 small's size: 124M parameters with a 50K vocabulary and a tied head.
  if (name == "gpt2") return {shape(768, 12, 12, 12, 2048, 1024, true), 4, 512 * 1024, 6e-4, 19073, 700};
  ErrorBuilder("pretrain") << "unknown preset '" << name << "' (tiny, small, medium, gpt2)";
}

std::vector<std::string> pretrain_preset_names() { return {"tiny", "small", "medium", "gpt2"}; }

}  // namespace llmforge
