// What the CPU can do, detected at run time (the binary may run on another machine
// than the one that built it).
#pragma once

#include <string>

namespace llmforge {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
  bool avx512_bf16 = false;
  bool amx_bf16 = false;
};

const CpuFeatures& cpu_features();
std::string cpu_features_string();

}  // namespace llmforge
