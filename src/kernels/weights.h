// Inference weights kept in the type the products read them in. At batch 1 a decode
// step is one stream over every weight, so its speed is memory bandwidth over weight
// bytes: bf16 halves the bytes of fp32 and q8_0 (8-bit blocks) nearly quarters them,
// as long as the matrix-vector kernels read the stored type directly instead of
// widening a copy first (KernelBackend::linear).
//
// Storage of a matrix W (N,K), row-major, in backend memory:
//   kF32   N*K floats.
//   kBf16  N*K bf16 values (uint16, the top half of an fp32).
//   kQ8_0  GGUF's q8_0 values, blocks of 32 along each row: value = d * q with an
//          fp16 scale d and int8 q. Stored split for aligned SIMD loads: `data` holds
//          the N*K int8 q row-major, `scales` the N*K/32 d widened exactly to fp32.
//          K must be a multiple of 32.
// The q8_0 values are those of `llmforge export gguf --type q8_0` (the same
// quantizer; tests/infer/weight_store_test.cc compares the bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace llmforge {

enum class WeightType { kF32, kBf16, kQ8_0 };

WeightType parse_weight_type(const std::string& name);  // "f32" "bf16" "q8_0"; throws Error
const char* weight_type_name(WeightType t);

inline constexpr int kQ8BlockValues = 32;

// A view of one stored matrix; the owner (infer/weight_store.h) keeps the memory.
struct WeightMatrix {
  WeightType type = WeightType::kF32;
  int n = 0;  // rows (outputs)
  int k = 0;  // columns (inputs)
  const void* data = nullptr;
  const float* scales = nullptr;  // kQ8_0 only: (N, K/32)
};

// Bytes `data` needs for a (n, k) matrix of type t (scales not included).
size_t weight_data_bytes(WeightType t, int n, int k);

}  // namespace llmforge
