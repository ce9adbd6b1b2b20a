#include "model/param_layout.h"

namespace llmforge {

ParamLayout::ParamLayout(const ModelConfig& c) {
  const int64_t C = c.dim, V = c.vocab_size, F = c.ffn_dim, QD = c.q_dim(), KVD = c.kv_dim();
  embed = add("model.embed_tokens.weight", {V, C}, false);
  for (int l = 0; l < c.n_layers; ++l) {
    std::string p = "model.layers." + std::to_string(l) + ".";
    LayerParams lp;
    lp.attn_norm = add(p + "input_layernorm.weight", {C}, false);
    lp.wq = add(p + "self_attn.q_proj.weight", {QD, C}, true);
    lp.wk = add(p + "self_attn.k_proj.weight", {KVD, C}, true);
    lp.wv = add(p + "self_attn.v_proj.weight", {KVD, C}, true);
    lp.wo = add(p + "self_attn.o_proj.weight", {C, QD}, true);
    lp.mlp_norm = add(p + "post_attention_layernorm.weight", {C}, false);
    lp.w_gate = add(p + "mlp.gate_proj.weight", {F, C}, true);
    lp.w_up = add(p + "mlp.up_proj.weight", {F, C}, true);
    lp.w_down = add(p + "mlp.down_proj.weight", {C, F}, true);
    layers.push_back(lp);
  }
  final_norm = add("model.norm.weight", {C}, false);
  lm_head = c.tie_embeddings ? embed : add("lm_head.weight", {V, C}, true);
  // Named like LlamaForSequenceClassification's bias-free score head (num_labels = 1).
  if (c.value_head) value_head = add("score.weight", {1, C}, true);
}

size_t ParamLayout::add(const std::string& name, std::vector<int64_t> shape, bool decay) {
  size_t n = 1;
  for (int64_t d : shape) n *= size_t(d);
  size_t offset = total_;
  params_.push_back({name, std::move(shape), offset, n, decay});
  total_ += (n + 15) / 16 * 16;  // keep every tensor 64-byte aligned
  return offset;
}

const ParamInfo* ParamLayout::find(const std::string& name) const {
  for (const auto& p : params_)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace llmforge
