#include "kernels/weights.h"

#include "core/error.h"

namespace llmforge {

WeightType parse_weight_type(const std::string& name) {
  if (name == "f32" || name == "fp32") return WeightType::kF32;
  if (name == "bf16") return WeightType::kBf16;
  if (name == "q8_0") return WeightType::kQ8_0;
  ErrorBuilder("weights") << "unknown weight type '" << name << "' (expected f32, bf16 or q8_0)";
}

const char* weight_type_name(WeightType t) {
  switch (t) {
    case WeightType::kF32: return "f32";
    case WeightType::kBf16: return "bf16";
    case WeightType::kQ8_0: return "q8_0";
  }
  return "?";
}

size_t weight_data_bytes(WeightType t, int n, int k) {
  const size_t values = size_t(n) * size_t(k);
  switch (t) {
    case WeightType::kF32: return values * 4;
    case WeightType::kBf16: return values * 2;
    case WeightType::kQ8_0: return values;
  }
  return 0;
}

}  // namespace llmforge
