// The matrix-vector kernels behind linear.cc, one table per instruction set: portable
// C++ (linear.cc), AVX2+FMA (linear_avx2.cc) and AVX-512 F/BW/VL/VNNI
// (linear_avx512.cc). The SIMD files are compiled for their ISA whatever the build
// flags, and linear.cc calls a table only when cpu_features() reports that ISA.
//
// Each kernel computes outputs j in [j0, j1) of every row i < m:
//   y[i * ldy + j] (+)= dot(x row i, W row j),   W (N, k) row-major in its stored type.
#pragma once

#include <cstdint>

namespace llmforge::cpu {

struct MatvecKernels {
  void (*f32_rows)(const float* x, int m, const float* w, int k, float* y, int ldy, int j0,
                   int j1, bool acc);
  void (*bf16_rows)(const float* x, int m, const uint16_t* w, int k, float* y, int ldy, int j0,
                    int j1, bool acc);
  // xq (m, k) int8 with scales xd (m, k/32); wq (N, k) with wd (N, k/32); k % 32 == 0.
  void (*q8_rows)(const int8_t* xq, const float* xd, int m, const int8_t* wq, const float* wd,
                  int k, float* y, int ldy, int j0, int j1, bool acc);
};

const MatvecKernels& avx2_matvec_kernels();
const MatvecKernels& avx512_matvec_kernels();

}  // namespace llmforge::cpu
