// Numeric precision of matrix-product inputs. Master weights, gradients, optimizer
// state and every non-GEMM op stay fp32 in all modes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace llmforge {

enum class Precision {
  kFp32,  // fp32 inputs, fp32 accumulation
  kBf16,  // inputs rounded to bf16, fp32 accumulation (native bf16 GEMM where the CPU has it)
};

Precision parse_precision(const std::string& name);  // "fp32" | "bf16"; throws Error otherwise
const char* precision_name(Precision p);

// Round-to-nearest-even fp32 -> bf16, as PyTorch and oneDNN do (NaN stays NaN).
inline uint16_t fp32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}

inline float bf16_to_fp32(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline float round_to_bf16(float f) { return bf16_to_fp32(fp32_to_bf16(f)); }

}  // namespace llmforge
