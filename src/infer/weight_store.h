// The weights the inference engine multiplies with, in one storage type
// (kernels/weights.h): fp32 views of the model's own parameters, or bf16 / q8_0
// copies made once from them. Decode at batch 1 streams every matrix once per token,
// so the stored width sets the speed (see bytes_per_token()).
//
// q8_0 uses GGUF's quantizer (gguf::encode_row), so `--weights q8_0` multiplies with
// exactly the values `llmforge export gguf --type q8_0` writes. A matrix whose rows
// are not a multiple of 32 values cannot be q8_0; it stays fp32 (export writes it as
// f16). Norm weights always stay fp32 in the model.
//
// The model must outlive the store (fp32 views point into it). Immutable after
// construction, so engines on several threads may share one.
#pragma once

#include <vector>

#include "kernels/device_array.h"
#include "kernels/weights.h"
#include "model/model.h"

namespace llmforge {

class WeightStore {
 public:
  struct Layer {
    WeightMatrix wq, wk, wv, wo, w_gate, w_up, w_down;
  };

  WeightStore(const Model& model, WeightType type);

  WeightType type() const { return type_; }
  const Layer& layer(int l) const { return layers_[l]; }
  const WeightMatrix& embed() const { return embed_; }    // (V, C)
  const WeightMatrix& lm_head() const { return lm_head_; }  // (V, C): embed when tied
  // Bytes one decode step reads from the matrices (the layers' and the head's; the
  // embedding lookup reads one row).
  size_t bytes_per_token() const;

 private:
  WeightMatrix make(const float* w, int n, int k);

  WeightType type_;
  std::vector<Layer> layers_;
  WeightMatrix embed_, lm_head_;
  std::vector<DeviceArray<uint8_t>> storage_;  // one per converted matrix
  const KernelBackend& kernels_;
};

size_t weight_matrix_bytes(const WeightMatrix& w);  // data plus scales

}  // namespace llmforge
