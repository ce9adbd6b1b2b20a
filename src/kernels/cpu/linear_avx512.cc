// AVX-512 matrix-vector kernels (see linear_avx512.h), the AVX2 kernels' structure at
// twice the width: four weight rows share each load of x, two accumulators per row,
// and each load also prefetches the same place eight rows (two tiles) ahead, since a
// row of K values is too short a stream for the hardware prefetcher (linear_avx2.cc
// measured that). Tails use masked loads, so no scalar loop is left.
//
// Why a second set at all, when decode is a stream over memory: at half the
// instructions per byte, the widening (bf16) and integer (q8_0) kernels stop being
// limited by the core's issue rate. bench_linear --cpu-time, one thread, 2-core
// Xeon with AVX-512: see bench/RESULTS.md, "Decode against llama.cpp".
#include "kernels/cpu/linear_avx512.h"

// GCC 12's AVX-512 headers build widening casts from _mm512_undefined_*(), which
// -Wmaybe-uninitialized reports once the intrinsics are inlined; the lanes it means
// are never read.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")

namespace llmforge::cpu::avx512 {
namespace {

inline void store(float* y, float v, bool acc) { *y = acc ? *y + v : v; }

template <typename T>
inline void prefetch(const T* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0);
}

// Sixteen values (or the first `mask` lanes) widened to fp32.
inline __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 load16(const float* p, __mmask16 mask) { return _mm512_maskz_loadu_ps(mask, p); }
// A bf16 is the top half of an fp32: zero-extend to 32 bits and shift up.
inline __m512 widen_bf16(__m256i h) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}
inline __m512 load16(const uint16_t* p) {
  return widen_bf16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline __m512 load16(const uint16_t* p, __mmask16 mask) {
  return widen_bf16(_mm256_maskz_loadu_epi16(mask, p));
}

// One row of x against rows w[0..R) (R <= 4); `ahead` (elements) is the prefetch
// distance, 0 for none. A 64-byte line holds 64 / sizeof(T) values.
template <int R, typename T>
inline void dot_rows(const float* x, const T* const* w, int k, float* out, size_t ahead) {
  constexpr int kLine = 64 / int(sizeof(T));
  __m512 a[R], b[R];
  for (int r = 0; r < R; ++r) a[r] = b[r] = _mm512_setzero_ps();
  int i = 0;
  for (; i + 32 <= k; i += 32) {
    const __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
    for (int r = 0; r < R; ++r) {
      if (ahead) {
        prefetch(w[r] + i + ahead);
        if (kLine < 32) prefetch(w[r] + i + kLine + ahead);
      }
      a[r] = _mm512_fmadd_ps(load16(w[r] + i), x0, a[r]);
      b[r] = _mm512_fmadd_ps(load16(w[r] + i + 16), x1, b[r]);
    }
  }
  for (; i < k; i += 16) {
    const __mmask16 mask = k - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (k - i)) - 1);
    const __m512 x0 = _mm512_maskz_loadu_ps(mask, x + i);
    for (int r = 0; r < R; ++r) a[r] = _mm512_fmadd_ps(load16(w[r] + i, mask), x0, a[r]);
  }
  for (int r = 0; r < R; ++r) out[r] = _mm512_reduce_add_ps(_mm512_add_ps(a[r], b[r]));
}

template <typename T>
void rows(const float* x, int m, const T* w, int k, float* y, int ldy, int j0, int j1, bool acc) {
  const size_t ahead = 8 * size_t(k);  // two tiles of four rows ahead
  int j = j0;
  for (; j + 4 <= j1; j += 4) {
    const T* wr[4] = {w + size_t(j) * k, w + size_t(j + 1) * k, w + size_t(j + 2) * k,
                      w + size_t(j + 3) * k};
    for (int i = 0; i < m; ++i) {
      float out[4];
      // Only the first row of x streams from memory; later rows find the tile cached.
      dot_rows<4, T>(x + size_t(i) * k, wr, k, out, i == 0 ? ahead : 0);
      for (int r = 0; r < 4; ++r) store(y + size_t(i) * ldy + j + r, out[r], acc);
    }
  }
  for (; j < j1; ++j) {
    const T* wr[1] = {w + size_t(j) * k};
    for (int i = 0; i < m; ++i) {
      float out[1];
      dot_rows<1, T>(x + size_t(i) * k, wr, k, out, 0);
      store(y + size_t(i) * ldy + j, out[0], acc);
    }
  }
}

// q8_0: vpdpbusd multiplies unsigned by signed bytes, so as in the AVX2 kernel x
// gives its magnitude and w takes x's sign (AVX-512 has no vpsignb: a masked
// subtraction from zero negates w where x < 0). |q| <= 127, so |x| fits a byte. Two
// 32-value blocks fill a register: int32 lanes 0-7 sum block b, lanes 8-15 block b+1,
// each scaled by its own d_w * d_x.
struct XPair {  // one pair of x blocks, shared by every weight row
  __m512i magnitude;
  __mmask64 negative;
  __m512 scale;  // d_x of block b in lanes 0-7, of b+1 in lanes 8-15
};

inline __m512 pair_scales(const float* d, bool both) {
  const __m512i halves = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m128 two = both ? _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(d)))
                          : _mm_load_ss(d);  // lane 1 zero: an odd last block
  return _mm512_permutexvar_ps(halves, _mm512_castps128_ps512(two));
}

template <int R>
inline void q8_dot_rows(const int8_t* xq, const float* xd, const int8_t* const* wq,
                        const float* const* wd, int nb, float* out, size_t ahead) {
  __m512 a[R];
  for (int r = 0; r < R; ++r) a[r] = _mm512_setzero_ps();
  for (int b = 0; b < nb; b += 2) {
    const bool both = b + 1 < nb;
    const __mmask64 bytes = both ? ~__mmask64(0) : __mmask64(0xffffffffu);
    const __m512i xv = _mm512_maskz_loadu_epi8(bytes, xq + 32 * b);
    const XPair xp{_mm512_abs_epi8(xv), _mm512_movepi8_mask(xv), pair_scales(xd + b, both)};
    for (int r = 0; r < R; ++r) {
      if (ahead) prefetch(wq[r] + 32 * b + ahead);
      const __m512i wv = _mm512_maskz_loadu_epi8(bytes, wq[r] + 32 * b);
      const __m512i signed_w = _mm512_mask_sub_epi8(wv, xp.negative, _mm512_setzero_si512(), wv);
      const __m512i sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), xp.magnitude, signed_w);
      const __m512 scale = _mm512_mul_ps(pair_scales(wd[r] + b, both), xp.scale);
      a[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), scale, a[r]);
    }
  }
  for (int r = 0; r < R; ++r) out[r] = _mm512_reduce_add_ps(a[r]);
}

}  // namespace

void f32_rows(const float* x, int m, const float* w, int k, float* y, int ldy, int j0, int j1,
              bool acc) {
  rows<float>(x, m, w, k, y, ldy, j0, j1, acc);
}

void bf16_rows(const float* x, int m, const uint16_t* w, int k, float* y, int ldy, int j0,
               int j1, bool acc) {
  rows<uint16_t>(x, m, w, k, y, ldy, j0, j1, acc);
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

}  // namespace llmforge::cpu::avx512
