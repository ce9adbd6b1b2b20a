#include "kernels/cpu/linear.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/matvec.h"
#include "kernels/precision.h"

namespace llmforge::cpu {
namespace {

// Rows of x above which fp32/bf16 products go to oneDNN: up to a handful of rows the
// hand-written kernels stream the weights once for all of them; past that a GEMM's
// blocking does more arithmetic per weight byte. bench_linear --cpu-time, one thread,
// 46M fp32 step: 4 rows 17.7 ms ours vs 23.1 ms oneDNN; 8 rows 31.4 vs 30.8 ms.
constexpr int kMaxMatvecRows = 4;
// Weight rows widened to fp32 per oneDNN call on the bf16 many-rows path.
constexpr int kWidenChunk = 256;

// The widest kernel set the CPU runs, capped by LLMFORGE_KERNEL_ISA=portable|avx2|avx512
// (ctest runs the conformance suite under each cap, so an AVX-512 machine checks all
// three sets and an AVX2 machine the two it has).
const MatvecKernels& portable_matvec_kernels();

const MatvecKernels& matvec_kernels() {
  static const MatvecKernels* chosen = [] {
    enum Isa { kPortable, kAvx2, kAvx512 };
    const CpuFeatures& f = cpu_features();
    int best = kPortable;
    if (f.avx2 && f.fma) best = kAvx2;
    if (best == kAvx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512_vnni) best = kAvx512;
    if (const char* cap = std::getenv("LLMFORGE_KERNEL_ISA"); cap && *cap) {
      const std::string c = cap;
      if (c == "portable") best = kPortable;
      else if (c == "avx2") best = std::min<int>(best, kAvx2);
      else if (c != "avx512")
        ErrorBuilder("kernels") << "LLMFORGE_KERNEL_ISA='" << c << "': expected portable, avx2 or avx512";
    }
    return best == kAvx512 ? &avx512_matvec_kernels()
           : best == kAvx2 ? &avx2_matvec_kernels()
                           : &portable_matvec_kernels();
  }();
  return *chosen;
}

inline void store(float* y, float v, bool acc) { *y = acc ? *y + v : v; }

// Portable kernels: the same loops without intrinsics, for CPUs without AVX2.
void f32_rows(const float* x, int m, const float* w, int k, float* y, int ldy, int j0, int j1,
              bool acc) {
  for (int j = j0; j < j1; ++j) {
    const float* wr = w + size_t(j) * k;
    for (int i = 0; i < m; ++i) {
      const float* xr = x + size_t(i) * k;
      float s = 0;
      for (int t = 0; t < k; ++t) s += wr[t] * xr[t];
      store(y + size_t(i) * ldy + j, s, acc);
    }
  }
}

void bf16_rows(const float* x, int m, const uint16_t* w, int k, float* y, int ldy, int j0, int j1,
               bool acc) {
  for (int j = j0; j < j1; ++j) {
    const uint16_t* wr = w + size_t(j) * k;
    for (int i = 0; i < m; ++i) {
      const float* xr = x + size_t(i) * k;
      float s = 0;
      for (int t = 0; t < k; ++t) s += bf16_to_fp32(wr[t]) * xr[t];
      store(y + size_t(i) * ldy + j, s, acc);
    }
  }
}

void q8_rows(const int8_t* xq, const float* xd, int m, const int8_t* wq, const float* wd, int k,
             float* y, int ldy, int j0, int j1, bool acc) {
  const int nb = k / kQ8BlockValues;
  for (int j = j0; j < j1; ++j) {
    for (int i = 0; i < m; ++i) {
      float s = 0;
      for (int b = 0; b < nb; ++b) {
        const int8_t* wb = wq + size_t(j) * k + size_t(b) * kQ8BlockValues;
        const int8_t* xb = xq + size_t(i) * k + size_t(b) * kQ8BlockValues;
        int32_t isum = 0;
        for (int t = 0; t < kQ8BlockValues; ++t) isum += int32_t(wb[t]) * int32_t(xb[t]);
        s += float(isum) * (wd[size_t(j) * nb + b] * xd[size_t(i) * nb + b]);
      }
      store(y + size_t(i) * ldy + j, s, acc);
    }
  }
}

const MatvecKernels& portable_matvec_kernels() {
  static const MatvecKernels kernels{f32_rows, bf16_rows, q8_rows};
  return kernels;
}

// Thread t's share of n output rows, in groups of four (the kernels' row tile), so
// every thread streams its own weights.
void slice(int n, int t, int nt, int* j0, int* j1) {
  const int groups = (n + 3) / 4;
  *j0 = std::min(n, int(int64_t(groups) * t / nt) * 4);
  *j1 = std::min(n, int(int64_t(groups) * (t + 1) / nt) * 4);
}

// x quantized for q8_0 products: q (m, k), d (m, k/32), per-thread scratch that grows
// to the largest input seen (no steady-state allocation).
struct QuantizedRows {
  const int8_t* q;
  const float* d;
};
QuantizedRows quantize_rows(const float* x, int m, int k) {
  thread_local std::vector<int8_t> xq;
  thread_local std::vector<float> xd;
  const int nb = k / kQ8BlockValues;
  if (xq.size() < size_t(m) * k) xq.resize(size_t(m) * k);
  if (xd.size() < size_t(m) * nb) xd.resize(size_t(m) * nb);
  int8_t* q = xq.data();
  float* d = xd.data();
#pragma omp parallel for schedule(static) if (m > 1)
  for (int i = 0; i < m; ++i) quantize_row_q8(x + size_t(i) * k, k, q + size_t(i) * k, d + size_t(i) * nb);
  return {q, d};
}

// Outputs [j0, j1) of y (m, w.n) through the kernel for w's type.
void rows(const MatvecKernels& kernels, const WeightMatrix& w, const float* x, QuantizedRows xq,
          int m, float* y, int j0, int j1, bool acc) {
  const int n = w.n, k = w.k;
  switch (w.type) {
    case WeightType::kF32:
      kernels.f32_rows(x, m, static_cast<const float*>(w.data), k, y, n, j0, j1, acc);
      return;
    case WeightType::kBf16:
      kernels.bf16_rows(x, m, static_cast<const uint16_t*>(w.data), k, y, n, j0, j1, acc);
      return;
    case WeightType::kQ8_0:
      kernels.q8_rows(xq.q, xq.d, m, static_cast<const int8_t*>(w.data), w.scales, k, y, n, j0, j1, acc);
      return;
  }
}

// bf16 weights times many rows: widen kWidenChunk weight rows to fp32 at a time and
// let oneDNN multiply (the widening is paid once per chunk, not once per row of x).
void bf16_gemm(float* y, const float* x, const WeightMatrix& w, int m, bool accumulate) {
  thread_local std::vector<float> wide;
  const int k = w.k;
  wide.resize(size_t(kWidenChunk) * k);
  const uint16_t* src = static_cast<const uint16_t*>(w.data);
  for (int j0 = 0; j0 < w.n; j0 += kWidenChunk) {
    const int rows = std::min(kWidenChunk, w.n - j0);
    const size_t count = size_t(rows) * k;
    const uint16_t* s = src + size_t(j0) * k;
    float* d = wide.data();
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; ++i) d[i] = bf16_to_fp32(s[i]);
    matmul_strided(x, k, d, k, y + j0, w.n, m, rows, k, false, true, accumulate);
  }
}

}  // namespace

void quantize_row_q8(const float* x, int k, int8_t* q, float* d) {
  for (int b = 0; b < k / kQ8BlockValues; ++b) {
    const float* xb = x + size_t(b) * kQ8BlockValues;
    float amax = 0;
    for (int t = 0; t < kQ8BlockValues; ++t) amax = std::max(amax, std::fabs(xb[t]));
    const float scale = amax / 127.0f, inv = scale != 0.0f ? 1.0f / scale : 0.0f;
    d[b] = scale;
    for (int t = 0; t < kQ8BlockValues; ++t)
      q[size_t(b) * kQ8BlockValues + t] = int8_t(std::nearbyint(xb[t] * inv));
  }
}

void linear(float* y, const float* x, const WeightMatrix& w, int m, bool accumulate) {
  float* const ys[1] = {y};
  linear_group(ys, x, &w, 1, m, accumulate);
}

void linear_group(float* const* ys, const float* x, const WeightMatrix* ws, int count, int m,
                  bool accumulate) {
  LLMF_CHECK(m > 0 && count > 0) << "linear of " << m << " rows through " << count << " matrices";
  bool any_q8 = false;
  for (int i = 0; i < count; ++i) {
    const WeightMatrix& w = ws[i];
    LLMF_CHECK(w.n > 0 && w.k == ws[0].k && w.data) << "linear matrix " << i << ": " << w.n << "x" << w.k;
    LLMF_CHECK(w.type != WeightType::kQ8_0 || w.k % kQ8BlockValues == 0) << "q8_0 rows of " << w.k;
    any_q8 = any_q8 || w.type == WeightType::kQ8_0;
  }
  if (m > kMaxMatvecRows) {  // prefill: GEMMs for fp32 and bf16, q8_0 kernels as they are
    bool rest = false;
    for (int i = 0; i < count; ++i) {
      const WeightMatrix& w = ws[i];
      if (w.type == WeightType::kF32) {
        matmul(x, static_cast<const float*>(w.data), ys[i], m, w.n, w.k, false, true, accumulate,
               Precision::kFp32);
      } else if (w.type == WeightType::kBf16) {
        bf16_gemm(ys[i], x, w, m, accumulate);
      } else {
        rest = true;
      }
    }
    if (!rest) return;
  }
  const QuantizedRows xq = any_q8 ? quantize_rows(x, m, ws[0].k) : QuantizedRows{nullptr, nullptr};
  const MatvecKernels& kernels = matvec_kernels();
  const bool many = m > kMaxMatvecRows;
  // One parallel region for all the matrices: each thread streams its share of each.
#pragma omp parallel
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    for (int i = 0; i < count; ++i) {
      if (many && ws[i].type != WeightType::kQ8_0) continue;  // done by the GEMM above
      int j0, j1;
      slice(ws[i].n, t, nt, &j0, &j1);
      if (j0 < j1) rows(kernels, ws[i], x, xq, m, ys[i], j0, j1, accumulate);
    }
  }
}

void weight_rows(float* out, const int32_t* tokens, const WeightMatrix& table, int n) {
  const int k = table.k;
  for (int i = 0; i < n; ++i) {
    const size_t row = size_t(tokens[i]);
    float* o = out + size_t(i) * k;
    switch (table.type) {
      case WeightType::kF32:
        std::memcpy(o, static_cast<const float*>(table.data) + row * k, sizeof(float) * k);
        break;
      case WeightType::kBf16: {
        const uint16_t* s = static_cast<const uint16_t*>(table.data) + row * k;
        for (int t = 0; t < k; ++t) o[t] = bf16_to_fp32(s[t]);
        break;
      }
      case WeightType::kQ8_0: {
        const int8_t* s = static_cast<const int8_t*>(table.data) + row * k;
        const float* d = table.scales + row * (k / kQ8BlockValues);
        for (int t = 0; t < k; ++t) o[t] = d[t / kQ8BlockValues] * float(s[t]);
        break;
      }
    }
  }
}

}  // namespace llmforge::cpu
