// The parameter table: every tensor's Hugging Face name, shape, offset in the
// parameter arena, and whether AdamW decays it. The gradient arena uses the same
// offsets. Tensors are stored row-major as PyTorch stores them ((out, in) for
// linear layers). With tied embeddings there is no lm_head tensor: the head reads
// model.embed_tokens.weight.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"

namespace llmforge {

struct ParamInfo {
  std::string name;
  std::vector<int64_t> shape;
  size_t offset = 0;
  size_t size = 0;
  bool decay = false;  // weight decay applies (matrices of linear layers)
};

// Offsets of one transformer block's tensors.
struct LayerParams {
  size_t attn_norm, wq, wk, wv, wo, mlp_norm, w_gate, w_up, w_down;
};

class ParamLayout {
 public:
  explicit ParamLayout(const ModelConfig& config);

  const std::vector<ParamInfo>& params() const { return params_; }
  size_t total() const { return total_; }
  // nullptr when absent.
  const ParamInfo* find(const std::string& name) const;

  size_t embed = 0, final_norm = 0, lm_head = 0, value_head = 0;
  std::vector<LayerParams> layers;

 private:
  size_t add(const std::string& name, std::vector<int64_t> shape, bool decay);
  std::vector<ParamInfo> params_;
  size_t total_ = 0;
};

}  // namespace llmforge
