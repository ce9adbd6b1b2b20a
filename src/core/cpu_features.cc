#include "core/cpu_features.h"

#include <cstdlib>
#include <fstream>

namespace llmforge {

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.avx512f = __builtin_cpu_supports("avx512f");
    f.avx512bw = __builtin_cpu_supports("avx512bw");
    f.avx512vl = __builtin_cpu_supports("avx512vl");
    f.avx512_vnni = __builtin_cpu_supports("avx512vnni");
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
  if (f.avx512bw) s += "avx512bw ";
  if (f.avx512_vnni) s += "avx512_vnni ";
  if (f.avx512_bf16) s += "avx512_bf16 ";
  if (f.amx_bf16) s += "amx_bf16 ";
  if (!s.empty()) s.pop_back();
  return s;
}

std::string cpu_description() {
  std::string name = "unknown CPU", line;
  std::ifstream in("/proc/cpuinfo");
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon != std::string::npos && colon + 2 <= line.size()) name = line.substr(colon + 2);
    break;
  }
  std::string s = name + " (" + cpu_features_string() + ")";
  if (const char* isa = std::getenv("ONEDNN_MAX_CPU_ISA")) s += ", ONEDNN_MAX_CPU_ISA=" + std::string(isa);
  return s;
}

}  // namespace llmforge
