// GGUF tensor element types we read and write, and their conversions to and from
// fp32. Layouts are ggml's (little-endian):
//   F32   4 bytes per value
//   F16   IEEE half, 2 bytes per value
//   BF16  the top half of an fp32, 2 bytes per value
//   Q8_0  blocks of 32 values: an F16 scale d, then 32 int8 q; value = d * q
// Other ggml types are known by name (for error messages) but not converted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace llmforge::gguf {

enum class TensorType : uint32_t { kF32 = 0, kF16 = 1, kQ8_0 = 8, kBF16 = 30 };

inline constexpr int kQ8Block = 32;        // values per Q8_0 block
inline constexpr int kQ8BlockBytes = 34;   // 2-byte scale + 32 int8

// ggml's name of a type id ("Q4_K", ...), or "type <id>" for ids ggml does not have.
std::string ggml_type_name(uint32_t id);
// The supported type with this id, or nullopt.
std::optional<TensorType> tensor_type_from_id(uint32_t id);
// "f32" "f16" "bf16" "q8_0" (the --type spelling); nullopt otherwise.
std::optional<TensorType> tensor_type_from_name(const std::string& name);
const char* tensor_type_name(TensorType t);

// Bytes of one row of `n` values (n a multiple of 32 for Q8_0).
uint64_t row_bytes(TensorType t, uint64_t n);

uint16_t fp32_to_fp16(float f);  // round to nearest even; overflow gives infinity
float fp16_to_fp32(uint16_t h);

// Converts n values (n a multiple of 32 for Q8_0) between fp32 and the type's bytes.
void encode_row(TensorType t, const float* in, size_t n, uint8_t* out);
void decode_row(TensorType t, const uint8_t* in, size_t n, float* out);

}  // namespace llmforge::gguf
