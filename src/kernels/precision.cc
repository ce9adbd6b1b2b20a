#include "kernels/precision.h"

#include "core/error.h"

namespace llmforge {

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::kFp32;
  if (name == "bf16") return Precision::kBf16;
  ErrorBuilder("precision") << "unknown precision '" << name << "' (expected fp32 or bf16)";
}

const char* precision_name(Precision p) { return p == Precision::kFp32 ? "fp32" : "bf16"; }

}  // namespace llmforge
