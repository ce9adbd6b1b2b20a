// AVX2+FMA matrix-vector kernels (see matvec.h; the row tiling is matvec_tiles.h). Two
// accumulators per weight row hide the FMA latency. The weights are read exactly once
// per row of x, in their stored width, which is what makes a decode step a pure
// stream over memory.
#include <immintrin.h>

#pragma GCC target("avx2,fma")

#include "kernels/cpu/matvec.h"
#include "kernels/cpu/matvec_tiles.h"

namespace llmforge::cpu {
namespace {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <typename T>
inline void prefetch(const T* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0);
}

// Eight values widened to fp32 (a bf16 is the top half of an fp32), and one value.
inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 load8(const uint16_t* p) {
  __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}
inline float value(float v) { return v; }
inline float value(uint16_t h) {
  const uint32_t u = uint32_t(h) << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}

struct Avx2Dot {
  template <int R, typename T>
  static void rows(const float* x, const T* const* w, int k, float* out, size_t ahead) {
    __m256 a[R], b[R];
    for (int r = 0; r < R; ++r) a[r] = b[r] = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= k; i += 16) {
      const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
      for (int r = 0; r < R; ++r) {
        if (ahead) prefetch(w[r] + i + ahead);
        a[r] = _mm256_fmadd_ps(load8(w[r] + i), x0, a[r]);
        b[r] = _mm256_fmadd_ps(load8(w[r] + i + 8), x1, b[r]);
      }
    }
    for (; i + 8 <= k; i += 8) {
      const __m256 x0 = _mm256_loadu_ps(x + i);
      for (int r = 0; r < R; ++r) a[r] = _mm256_fmadd_ps(load8(w[r] + i), x0, a[r]);
    }
    for (int r = 0; r < R; ++r) {
      float s = hsum(_mm256_add_ps(a[r], b[r]));
      for (int j = i; j < k; ++j) s += value(w[r][j]) * x[j];
      out[r] = s;
    }
  }

  // Integer dot products of 32-value blocks: maddubs wants an unsigned operand, so it
  // multiplies |x| by w carrying x's sign (ggml's trick); |q| <= 127 keeps the pairwise
  // int16 sums (at most 2 * 127 * 127) from saturating.
  template <int R>
  static void q8(const int8_t* xq, const float* xd, const int8_t* const* wq,
                 const float* const* wd, int nb, float* out, size_t ahead) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 a[R];
    for (int r = 0; r < R; ++r) a[r] = _mm256_setzero_ps();
    for (int b = 0; b < nb; ++b) {
      const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 32 * b));
      const __m256i ax = _mm256_sign_epi8(xv, xv);
      const float dx = xd[b];
      for (int r = 0; r < R; ++r) {
        if (ahead && (b & 1) == 0) prefetch(wq[r] + 32 * b + ahead);  // one line per two blocks
        const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wq[r] + 32 * b));
        const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(wv, xv)), ones);
        a[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(wd[r][b] * dx), a[r]);
      }
    }
    for (int r = 0; r < R; ++r) out[r] = hsum(a[r]);
  }
};

}  // namespace

const MatvecKernels& avx2_matvec_kernels() {
  static const MatvecKernels kernels = matvec_table<Avx2Dot>();
  return kernels;
}

}  // namespace llmforge::cpu
