#include "gguf/gguf_types.h"

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "kernels/precision.h"

namespace llmforge::gguf {

std::string ggml_type_name(uint32_t id) {
  // ggml's type ids (gguf-py GGMLQuantizationType); gaps are removed types.
  static const char* const kNames[] = {
      "F32",  "F16",  "Q4_0",    "Q4_1",    "type 4", "type 5", "Q5_0",   "Q5_1",
      "Q8_0", "Q8_1", "Q2_K",    "Q3_K",    "Q4_K",   "Q5_K",   "Q6_K",   "Q8_K",
      "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS",
      "I8",   "I16",  "I32",     "I64",     "F64",    "IQ1_M",  "BF16",   "type 31",
      "type 32", "type 33", "TQ1_0", "TQ2_0"};
  if (id < sizeof kNames / sizeof kNames[0]) return kNames[id];
  return "type " + std::to_string(id);
}

std::optional<TensorType> tensor_type_from_id(uint32_t id) {
  switch (id) {
    case 0: return TensorType::kF32;
    case 1: return TensorType::kF16;
    case 8: return TensorType::kQ8_0;
    case 30: return TensorType::kBF16;
    default: return std::nullopt;
  }
}

std::optional<TensorType> tensor_type_from_name(const std::string& name) {
  for (TensorType t : {TensorType::kF32, TensorType::kF16, TensorType::kBF16, TensorType::kQ8_0})
    if (name == tensor_type_name(t)) return t;
  return std::nullopt;
}

const char* tensor_type_name(TensorType t) {
  switch (t) {
    case TensorType::kF32: return "f32";
    case TensorType::kF16: return "f16";
    case TensorType::kBF16: return "bf16";
    case TensorType::kQ8_0: return "q8_0";
  }
  return "?";
}

uint64_t row_bytes(TensorType t, uint64_t n) {
  switch (t) {
    case TensorType::kF32: return 4 * n;
    case TensorType::kF16:
    case TensorType::kBF16: return 2 * n;
    case TensorType::kQ8_0: return n / kQ8Block * kQ8BlockBytes;
  }
  return 0;
}

uint16_t fp32_to_fp16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) return uint16_t(sign | 0x7e00u);  // NaN stays NaN
  if (abs >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // rounds past 65504: inf
  if (abs < 0x38800000u) {
    // Subnormal half (or zero): value = m * 2^-24; round the fp32 to that grid.
    if (abs < 0x33000000u) return uint16_t(sign);  // below half the smallest subnormal
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const int shift = 126 - int(abs >> 23);  // 14..24 bits dropped
    uint32_t h = mant >> shift;
    const uint32_t rest = mant & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (h & 1))) ++h;
    return uint16_t(sign | h);
  }
  // Normal: rebias the exponent (127 -> 15) and round 13 mantissa bits to nearest even.
  uint32_t h = ((abs >> 13) - ((127 - 15) << 10));
  const uint32_t rest = abs & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1))) ++h;  // may carry into the exponent
  return uint16_t(sign | h);
}

float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  uint32_t x;
  if (exp == 0) {
    float v = std::ldexp(float(mant), -24);
    std::memcpy(&x, &v, 4);
    x |= sign;
  } else if (exp == 31) {
    x = sign | 0x7f800000u | (mant << 13);
  } else {
    x = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

void encode_row(TensorType t, const float* in, size_t n, uint8_t* out) {
  switch (t) {
    case TensorType::kF32:
      std::memcpy(out, in, 4 * n);  // little-endian host (checked at build: x86/arm64)
      return;
    case TensorType::kF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h = fp32_to_fp16(in[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      return;
    case TensorType::kBF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h = fp32_to_bf16(in[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      return;
    case TensorType::kQ8_0:
      // ggml's reference quantizer: d = max|x| / 127, q = round(x / d) (half away from 0).
      for (size_t b = 0; b < n / kQ8Block; ++b) {
        const float* x = in + b * kQ8Block;
        uint8_t* blk = out + b * kQ8BlockBytes;
        float amax = 0.0f;
        for (int j = 0; j < kQ8Block; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        const uint16_t dh = fp32_to_fp16(d);
        std::memcpy(blk, &dh, 2);
        for (int j = 0; j < kQ8Block; ++j) blk[2 + j] = uint8_t(int8_t(std::round(x[j] * id)));
      }
      return;
  }
}

void decode_row(TensorType t, const uint8_t* in, size_t n, float* out) {
  switch (t) {
    case TensorType::kF32:
      std::memcpy(out, in, 4 * n);
      return;
    case TensorType::kF16:
    case TensorType::kBF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, in + 2 * i, 2);
        out[i] = t == TensorType::kF16 ? fp16_to_fp32(h) : bf16_to_fp32(h);
      }
      return;
    case TensorType::kQ8_0:
      for (size_t b = 0; b < n / kQ8Block; ++b) {
        const uint8_t* blk = in + b * kQ8BlockBytes;
        uint16_t dh;
        std::memcpy(&dh, blk, 2);
        const float d = fp16_to_fp32(dh);
        for (int j = 0; j < kQ8Block; ++j) out[b * kQ8Block + j] = d * float(int8_t(blk[2 + j]));
      }
      return;
  }
}

}  // namespace llmforge::gguf
