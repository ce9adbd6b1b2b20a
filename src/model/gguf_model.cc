#include "model/gguf_model.h"

#include <cstring>
#include <set>

#include "core/error.h"

namespace llmforge {
namespace {

// One tensor's two names, and the head count whose rotary rows it permutes (0: none).
struct TensorName {
  std::string gguf;
  const ParamInfo* param;
  int rope_heads;
};

std::vector<TensorName> tensor_names(const ModelConfig& c, const ParamLayout& layout) {
  auto p = [&](const std::string& hf) {
    const ParamInfo* info = layout.find(hf);
    LLMF_CHECK(info) << "no parameter " << hf;
    return info;
  };
  std::vector<TensorName> out;
  out.push_back({"token_embd.weight", p("model.embed_tokens.weight"), 0});
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string hf = "model.layers." + std::to_string(l) + ".";
    const std::string g = "blk." + std::to_string(l) + ".";
    out.push_back({g + "attn_norm.weight", p(hf + "input_layernorm.weight"), 0});
    out.push_back({g + "attn_q.weight", p(hf + "self_attn.q_proj.weight"), c.n_heads});
    out.push_back({g + "attn_k.weight", p(hf + "self_attn.k_proj.weight"), c.n_kv_heads});
    out.push_back({g + "attn_v.weight", p(hf + "self_attn.v_proj.weight"), 0});
    out.push_back({g + "attn_output.weight", p(hf + "self_attn.o_proj.weight"), 0});
    out.push_back({g + "ffn_norm.weight", p(hf + "post_attention_layernorm.weight"), 0});
    out.push_back({g + "ffn_gate.weight", p(hf + "mlp.gate_proj.weight"), 0});
    out.push_back({g + "ffn_up.weight", p(hf + "mlp.up_proj.weight"), 0});
    out.push_back({g + "ffn_down.weight", p(hf + "mlp.down_proj.weight"), 0});
  }
  out.push_back({"output_norm.weight", p("model.norm.weight"), 0});
  if (!c.tie_embeddings) out.push_back({"output.weight", p("lm_head.weight"), 0});
  return out;
}

// Rows (n_heads * head_dim, cols): within each head, HF row s*half + j <-> GGUF row
// 2j + s. `to_gguf` picks the direction.
void permute_rope_rows(const float* in, float* out, int n_heads, int head_dim, int64_t cols,
                       bool to_gguf) {
  const int half = head_dim / 2;
  for (int h = 0; h < n_heads; ++h) {
    for (int s = 0; s < 2; ++s) {
      for (int j = 0; j < half; ++j) {
        const int64_t hf = int64_t(h) * head_dim + s * half + j;
        const int64_t gg = int64_t(h) * head_dim + 2 * j + s;
        const int64_t src = to_gguf ? hf : gg, dst = to_gguf ? gg : hf;
        std::memcpy(out + dst * cols, in + src * cols, size_t(cols) * sizeof(float));
      }
    }
  }
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

void add_model_to_gguf(const Model& model, gguf::TensorType type, const std::string& name,
                       gguf::Writer* w) {
  const ModelConfig& c = model.config();
  if (c.value_head) {
    ErrorBuilder("gguf") << "this model has a value head (score.weight), which the llama "
                            "architecture of llama.cpp cannot hold; export a language model";
  }
  uint32_t file_type = 0;  // llama.cpp's LLAMA_FTYPE_*: ALL_F32, MOSTLY_F16, _Q8_0, _BF16
  switch (type) {
    case gguf::TensorType::kF32: file_type = 0; break;
    case gguf::TensorType::kF16: file_type = 1; break;
    case gguf::TensorType::kQ8_0: file_type = 7; break;
    case gguf::TensorType::kBF16: file_type = 32; break;
  }
  w->set_string("general.architecture", "llama");
  w->set_string("general.name", name);
  w->set_u32("general.file_type", file_type);
  if (type == gguf::TensorType::kQ8_0) w->set_u32("general.quantization_version", 2);
  w->set_u32("llama.vocab_size", uint32_t(c.vocab_size));
  w->set_u32("llama.context_length", uint32_t(c.max_seq_len));
  w->set_u32("llama.embedding_length", uint32_t(c.dim));
  w->set_u32("llama.block_count", uint32_t(c.n_layers));
  w->set_u32("llama.feed_forward_length", uint32_t(c.ffn_dim));
  w->set_u32("llama.attention.head_count", uint32_t(c.n_heads));
  w->set_u32("llama.attention.head_count_kv", uint32_t(c.n_kv_heads));
  w->set_u32("llama.rope.dimension_count", uint32_t(c.head_dim()));
  w->set_f32("llama.rope.freq_base", c.rope_theta);
  w->set_f32("llama.attention.layer_norm_rms_epsilon", c.norm_eps);

  for (const TensorName& t : tensor_names(c, model.layout())) {
    const ParamInfo& p = *t.param;
    const float* data = model.params() + p.offset;
    if (t.rope_heads > 0) {
      std::vector<float> permuted(p.size);
      permute_rope_rows(data, permuted.data(), t.rope_heads, c.head_dim(), p.shape[1], true);
      data = w->keep(std::move(permuted));
    }
    gguf::TensorType tt = type;
    if (p.shape.size() == 1) tt = gguf::TensorType::kF32;  // norms: as llama.cpp's converter
    if (tt == gguf::TensorType::kQ8_0 && p.shape.back() % gguf::kQ8Block != 0) tt = gguf::TensorType::kF16;
    w->add_tensor(t.gguf, p.shape, tt, data);
  }
}

bool is_gguf_file(const std::string& path) { return gguf::looks_like_gguf(path); }

ModelConfig gguf_model_config(const gguf::File& f) {
  const std::string& arch = f.get_string("general.architecture");
  if (arch != "llama") {
    ErrorBuilder("gguf") << f.source() << ": architecture '" << arch
                         << "' is not supported (llmforge reads 'llama' only)";
  }
  if (const gguf::Value* e = f.find("llama.expert_count"); e && e->is_integer() && e->int_value > 0) {
    ErrorBuilder("gguf") << f.source() << ": llama.expert_count = " << e->int_value
                         << " (mixture of experts) is not supported";
  }
  if (const gguf::Value* s = f.find("llama.rope.scaling.type");
      s && !(s->type == gguf::ValueType::kString && s->string_value == "none")) {
    ErrorBuilder("gguf") << f.source() << ": llama.rope.scaling.type '" << s->string_value
                         << "' is not supported (plain RoPE only)";
  }
  const gguf::TensorInfo* embd = f.find_tensor("token_embd.weight");
  if (!embd) ErrorBuilder("gguf") << f.source() << ": tensor 'token_embd.weight' is missing";
  if (embd->shape.size() != 2)
    ErrorBuilder("gguf") << f.source() << ": token_embd.weight has shape " << shape_string(embd->shape);
  ModelConfig c;
  // Limits keep a damaged header from asking for absurd allocations; real llama models
  // are far inside them.
  c.dim = int(f.get_int("llama.embedding_length", 1, 1 << 16));
  c.n_layers = int(f.get_int("llama.block_count", 1, 1024));
  c.ffn_dim = int(f.get_int("llama.feed_forward_length", 1, 1 << 18));
  c.n_heads = int(f.get_int("llama.attention.head_count", 1, 1024));
  c.n_kv_heads = f.find("llama.attention.head_count_kv")
                     ? int(f.get_int("llama.attention.head_count_kv", 1, 1024))
                     : c.n_heads;
  c.max_seq_len = int(f.get_int("llama.context_length", 1, 1 << 20));
  c.norm_eps = float(f.get_float("llama.attention.layer_norm_rms_epsilon"));
  c.rope_theta = f.find("llama.rope.freq_base") ? float(f.get_float("llama.rope.freq_base")) : 10000.0f;
  c.vocab_size = int(embd->shape[0]);
  if (f.find("llama.vocab_size")) {
    const int64_t v = f.get_int("llama.vocab_size", 1, 1 << 24);
    if (v != c.vocab_size)
      ErrorBuilder("gguf") << f.source() << ": llama.vocab_size " << v << " but token_embd.weight has "
                           << c.vocab_size << " rows";
  }
  c.tie_embeddings = f.find_tensor("output.weight") == nullptr;
  c.value_head = false;
  c.validate();
  for (const char* key : {"llama.rope.dimension_count", "llama.attention.key_length",
                          "llama.attention.value_length"}) {
    if (f.find(key) && f.get_int(key, 0, 1 << 16) != c.head_dim()) {
      ErrorBuilder("gguf") << f.source() << ": " << key << " = " << f.get_int(key, 0, 1 << 16)
                           << " differs from the head dimension " << c.head_dim()
                           << " (partial rotary or odd head sizes are not supported)";
    }
  }
  return c;
}

std::unique_ptr<Model> load_gguf_model(const gguf::File& f, Precision precision) {
  const ModelConfig c = gguf_model_config(f);
  // Check names and shapes against the config before allocating the model: the file
  // size bounds every tensor, so a consistent file cannot ask for absurd memory.
  const ParamLayout layout(c);
  const std::vector<TensorName> names = tensor_names(c, layout);
  std::set<std::string> known;
  for (const TensorName& n : names) {
    const gguf::TensorInfo* t = f.find_tensor(n.gguf);
    if (!t) ErrorBuilder("gguf") << f.source() << ": tensor '" << n.gguf << "' is missing";
    if (t->shape != n.param->shape) {
      ErrorBuilder("gguf") << f.source() << ": tensor '" << n.gguf << "' has shape " << shape_string(t->shape)
                           << " but the metadata implies " << shape_string(n.param->shape);
    }
    known.insert(n.gguf);
  }
  for (const gguf::TensorInfo& t : f.tensors()) {
    // rope_freqs holds llama 3.1's frequency scaling: refusing it beats wrong output.
    if (!known.count(t.name)) ErrorBuilder("gguf") << f.source() << ": unknown tensor '" << t.name << "' for a llama model";
  }
  auto model = std::make_unique<Model>(c, precision);
  std::vector<float> tmp;
  for (const TensorName& n : names) {
    const gguf::TensorInfo& t = *f.find_tensor(n.gguf);
    float* dst = model->params() + n.param->offset;
    if (n.rope_heads > 0) {
      tmp.resize(n.param->size);
      f.read_f32(t, tmp.data());
      permute_rope_rows(tmp.data(), dst, n.rope_heads, c.head_dim(), n.param->shape[1], false);
    } else {
      f.read_f32(t, dst);
    }
  }
  return model;
}

}  // namespace llmforge
