// Products with stored inference weights (kernels/weights.h): y (M,N) [+]= x (M,K) W^T
// for W (N,K) in fp32, bf16 or q8_0, accumulating in fp32.
//
// Few rows (decode: one row per sequence) run hand-written matrix-vector kernels that
// read each weight once from memory in its stored type, split by output rows across
// the OpenMP threads: AVX-512 (F, BW, VL, VNNI: linear_avx512.cc) or AVX2+FMA
// (linear_avx2.cc) where the CPU has it, chosen at run time, portable C++ otherwise;
// LLMFORGE_KERNEL_ISA=portable|avx2 caps the choice. Many rows (prefill) go to oneDNN for fp32 and bf16
// (bf16 rows widened to fp32 a chunk at a time), where the GEMM's reuse wins.
//
// q8_0 products follow ggml: each row of x is quantized to int8 blocks of 32 with an
// fp32 scale (d = max|x| / 127, q = round-half-even(x / d)), and each block's integer
// dot product is scaled by d_w * d_x. Integer block sums are exact, so only the fp32
// accumulation order differs between the AVX2 and portable paths.
#pragma once

#include <cstdint>

#include "kernels/weights.h"

namespace llmforge::cpu {

void linear(float* y, const float* x, const WeightMatrix& w, int m, bool accumulate);
// The same x through `count` matrices of equal K (q, k, v; gate, up) in one parallel
// region: ys[i] (M, ws[i].n) [+]= x W_i^T.
void linear_group(float* const* ys, const float* x, const WeightMatrix* ws, int count, int m,
                  bool accumulate);

// out (N, K) = rows tokens[0..n) of `table` widened to fp32 (embedding lookup).
void weight_rows(float* out, const int32_t* tokens, const WeightMatrix& table, int n);

// ggml's q8_0 activation quantizer for one row of k values (k % 32 == 0): q (k), d (k/32).
void quantize_row_q8(const float* x, int k, int8_t* q, float* d);

}  // namespace llmforge::cpu
