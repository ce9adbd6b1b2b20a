// AVX-512 bodies of the matrix-vector kernels in linear.cc, compiled for that ISA
// whatever the build flags and called only when cpu_features() reports AVX-512F and BW
// (VNNI for q8_0). Same contract as linear_avx2.h: outputs j in [j0, j1) of every row
// i < m: y[i * ldy + j] (+)= dot(x row i, W row j).
#pragma once

#include <cstdint>

namespace llmforge::cpu::avx512 {

void f32_rows(const float* x, int m, const float* w, int k, float* y, int ldy, int j0, int j1,
              bool acc);
void bf16_rows(const float* x, int m, const uint16_t* w, int k, float* y, int ldy, int j0,
               int j1, bool acc);
// xq (m, k) int8 with scales xd (m, k/32); wq (N, k) with wd (N, k/32); k % 32 == 0.
void q8_rows(const int8_t* xq, const float* xd, int m, const int8_t* wq, const float* wd, int k,
             float* y, int ldy, int j0, int j1, bool acc);

}  // namespace llmforge::cpu::avx512
