#include "core/cpu_features.h"

namespace llmforge {

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.avx512f = __builtin_cpu_supports("avx512f");
    // GCC 12 knows avx512bf16 but not AMX; read CPUID leaf 7 directly for both.
    unsigned a, b, c, d;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(1));
    f.avx512_bf16 = f.avx512f && (a & (1u << 5));
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    f.amx_bf16 = d & (1u << 22);
    return f;
  }();
  return features;
}

std::string cpu_features_string() {
  const CpuFeatures& f = cpu_features();
  std::string s;
  if (f.avx2) s += "avx2 ";
  if (f.fma) s += "fma ";
  if (f.avx512f) s += "avx512f ";
  if (f.avx512_bf16) s += "avx512_bf16 ";
  if (f.amx_bf16) s += "amx_bf16 ";
  if (!s.empty()) s.pop_back();
  return s;
}

}  // namespace llmforge
