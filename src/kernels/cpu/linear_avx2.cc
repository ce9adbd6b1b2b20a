// AVX2+FMA matrix-vector kernels (see linear_avx2.h). Four weight rows at a time share
// each load of x; two accumulators per row hide the FMA latency. The weights are read
// exactly once per row of x, in their stored width, which is what makes a decode step
// a pure stream over memory.
#include "kernels/cpu/linear_avx2.h"

#include <immintrin.h>

#pragma GCC target("avx2,fma")

namespace llmforge::cpu::avx2 {
namespace {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline void store(float* y, float v, bool acc) { *y = acc ? *y + v : v; }

// Rows are read four at a time, each only K values long, which is too short a stream
// for the hardware prefetcher to reach full speed on; each load therefore also asks
// for the same place eight rows (two tiles) ahead. bench_linear --cpu-time, one
// thread, 46M shape: q8_0 7.5 -> 12 GB/s, bf16 10 -> 14 GB/s (f32 unchanged at ~16);
// one tile ahead gained about half as much, four tiles nothing more. Harmless past
// the end of the matrix (a prefetch never faults).
template <typename T>
inline void prefetch(const T* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0);
}

// Eight bf16 values widened to fp32 (a bf16 is the top half of an fp32).
inline __m256 load_bf16(const uint16_t* p) {
  __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

inline __m256 load_f32(const float* p) { return _mm256_loadu_ps(p); }

// One row of x against rows w[0..R) (R <= 4) of a matrix whose values load via L.
template <int R, typename T, __m256 (*L)(const T*), float (*S)(T)>
inline void dot_rows(const float* x, const T* const* w, int k, float* out, size_t ahead) {
  __m256 a[R], b[R];
  for (int r = 0; r < R; ++r) a[r] = b[r] = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= k; i += 16) {
    const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
    for (int r = 0; r < R; ++r) {
      if (ahead) prefetch(w[r] + i + ahead);
      a[r] = _mm256_fmadd_ps(L(w[r] + i), x0, a[r]);
      b[r] = _mm256_fmadd_ps(L(w[r] + i + 8), x1, b[r]);
    }
  }
  for (; i + 8 <= k; i += 8) {
    const __m256 x0 = _mm256_loadu_ps(x + i);
    for (int r = 0; r < R; ++r) a[r] = _mm256_fmadd_ps(L(w[r] + i), x0, a[r]);
  }
  for (int r = 0; r < R; ++r) {
    float s = hsum(_mm256_add_ps(a[r], b[r]));
    for (int j = i; j < k; ++j) s += S(w[r][j]) * x[j];
    out[r] = s;
  }
}

inline float f32_value(float v) { return v; }
inline float bf16_value(uint16_t h) {
  const uint32_t u = uint32_t(h) << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}

template <typename T, __m256 (*L)(const T*), float (*S)(T)>
void rows(const float* x, int m, const T* w, int k, float* y, int ldy, int j0, int j1, bool acc) {
  const size_t ahead = 8 * size_t(k);  // two tiles of four rows ahead
  int j = j0;
  for (; j + 4 <= j1; j += 4) {
    const T* wr[4] = {w + size_t(j) * k, w + size_t(j + 1) * k, w + size_t(j + 2) * k,
                      w + size_t(j + 3) * k};
    for (int i = 0; i < m; ++i) {
      float out[4];
      // Only the first row of x streams from memory; later rows find the tile cached.
      dot_rows<4, T, L, S>(x + size_t(i) * k, wr, k, out, i == 0 ? ahead : 0);
      for (int r = 0; r < 4; ++r) store(y + size_t(i) * ldy + j + r, out[r], acc);
    }
  }
  for (; j < j1; ++j) {
    const T* wr[1] = {w + size_t(j) * k};
    for (int i = 0; i < m; ++i) {
      float out[1];
      dot_rows<1, T, L, S>(x + size_t(i) * k, wr, k, out, 0);
      store(y + size_t(i) * ldy + j, out[0], acc);
    }
  }
}

// Integer dot products of 32-value blocks: maddubs wants an unsigned operand, so it
// multiplies |x| by w carrying x's sign (ggml's trick); |q| <= 127 keeps the pairwise
// int16 sums (at most 2 * 127 * 127) from saturating.
template <int R>
inline void q8_dot_rows(const int8_t* xq, const float* xd, const int8_t* const* wq,
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

}  // namespace

void f32_rows(const float* x, int m, const float* w, int k, float* y, int ldy, int j0, int j1,
              bool acc) {
  rows<float, load_f32, f32_value>(x, m, w, k, y, ldy, j0, j1, acc);
}

void bf16_rows(const float* x, int m, const uint16_t* w, int k, float* y, int ldy, int j0,
               int j1, bool acc) {
  rows<uint16_t, load_bf16, bf16_value>(x, m, w, k, y, ldy, j0, j1, acc);
}

void q8_rows(const int8_t* xq, const float* xd, int m, const int8_t* wq, const float* wd, int k,
             float* y, int ldy, int j0, int j1, bool acc) {
  const int nb = k / 32;
  int j = j0;
  for (; j + 4 <= j1; j += 4) {
    const int8_t* wr[4];
    const float* ws[4];
    for (int r = 0; r < 4; ++r) wr[r] = wq + size_t(j + r) * k, ws[r] = wd + size_t(j + r) * nb;
    for (int i = 0; i < m; ++i) {
      float out[4];
      q8_dot_rows<4>(xq + size_t(i) * k, xd + size_t(i) * nb, wr, ws, nb, out,
                     i == 0 ? 8 * size_t(k) : 0);
      for (int r = 0; r < 4; ++r) store(y + size_t(i) * ldy + j + r, out[r], acc);
    }
  }
  for (; j < j1; ++j) {
    const int8_t* wr[1] = {wq + size_t(j) * k};
    const float* ws[1] = {wd + size_t(j) * nb};
    for (int i = 0; i < m; ++i) {
      float out[1];
      q8_dot_rows<1>(xq + size_t(i) * k, xd + size_t(i) * nb, wr, ws, nb, out, 0);
      store(y + size_t(i) * ldy + j, out[0], acc);
    }
  }
}

}  // namespace llmforge::cpu::avx2
