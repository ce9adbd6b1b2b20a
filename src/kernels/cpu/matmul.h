// Matrix products through oneDNN, row-major:
//   C(M,N) [+]= op(A) * op(B),  op(A) is (M,K): A stored (M,K), or (K,M) if trans_a;
//                               op(B) is (K,N): B stored (K,N), or (N,K) if trans_b.
// A linear layer y = x W^T with W stored (out,in) is matmul(x, W, y, M, out, in,
// false, true). Primitives are built once per shape and cached (building one costs
// far more than running a small one). Thread-safe for distinct output buffers.
#pragma once

#include "kernels/precision.h"

namespace llmforge::cpu {

void matmul(const float* a, const float* b, float* c, int m, int n, int k, bool trans_a,
            bool trans_b, bool accumulate, Precision precision);

// fp32 product on strided row-major operands: element (i, j) of stored A is
// a[i * lda + j], and likewise for B and C. Used for per-head attention products,
// whose rows interleave with other heads' rows. May be called inside an OpenMP
// parallel region (it then runs on the calling thread only).
void matmul_strided(const float* a, int lda, const float* b, int ldb, float* c, int ldc, int m,
                    int n, int k, bool trans_a, bool trans_b, bool accumulate);

// Whether bf16 products run natively (AVX512_BF16 / AMX) rather than by rounding
// fp32 inputs to bf16 values and multiplying in fp32 (same numbers, no speed gain).
bool native_bf16_available();

// Measured peak of one (n x n x n) product, in FLOP/s, best of `repeats`.
double measure_gemm_flops(int n, Precision precision, int repeats = 5);

}  // namespace llmforge::cpu
