// What the CPU can do, detected at run time (the binary may run on another machine
// than the one that built it).
#pragma once

#include <string>

namespace llmforge {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512_vnni = false;
  bool avx512_bf16 = false;
  bool amx_bf16 = false;
};

const CpuFeatures& cpu_features();
std::string cpu_features_string();
// "Intel(R) Xeon(R) Processor (avx2 fma avx512f avx512_bf16 amx_bf16)": the model name
// from /proc/cpuinfo and the features above, plus ONEDNN_MAX_CPU_ISA when it is set,
// since results that depend on the floating-point path must say which one ran.
std::string cpu_description();

}  // namespace llmforge
