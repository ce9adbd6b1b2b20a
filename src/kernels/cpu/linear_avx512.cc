// AVX-512 matrix-vector kernels (see matvec.h; the row tiling is matvec_tiles.h), the
// AVX2 kernels at twice the width: two accumulators per weight row, and masked loads
// for the tails, so no scalar loop is left.
//
// Why a second set at all, when decode is a stream over memory: at half the
// instructions per byte, the widening (bf16) and integer (q8_0) kernels are less
// limited by the core's issue rate. On a quiet 2-core Xeon the 124M bf16 decode gained
// 10%; the others stayed within run-to-run noise (bench/RESULTS.md, "Decode against
// llama.cpp").
// GCC 12's AVX-512 headers build widening casts from _mm512_undefined_*(), which
// -Wmaybe-uninitialized reports once the intrinsics are inlined; the lanes it means
// are never read.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")

#include "kernels/cpu/matvec.h"
#include "kernels/cpu/matvec_tiles.h"

namespace llmforge::cpu {
namespace {

template <typename T>
inline void prefetch(const T* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0);
}

// Sixteen values (or the lanes in `mask`) widened to fp32. A bf16 is the top half of
// an fp32: zero-extend to 32 bits and shift up.
inline __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 load16(const float* p, __mmask16 mask) { return _mm512_maskz_loadu_ps(mask, p); }
inline __m512 widen_bf16(__m256i h) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}
inline __m512 load16(const uint16_t* p) {
  return widen_bf16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline __m512 load16(const uint16_t* p, __mmask16 mask) {
  return widen_bf16(_mm256_maskz_loadu_epi16(mask, p));
}

// d[0] broadcast to lanes 0-7 and d[1] to lanes 8-15 (lanes 8-15 zero when !both:
// an odd last block).
inline __m512 pair_scales(const float* d, bool both) {
  const __m512i halves = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m128 two = both ? _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(d)))
                          : _mm_load_ss(d);
  return _mm512_permutexvar_ps(halves, _mm512_castps128_ps512(two));
}

struct Avx512Dot {
  template <int R, typename T>
  static void rows(const float* x, const T* const* w, int k, float* out, size_t ahead) {
    constexpr int kLine = 64 / int(sizeof(T));  // values per cache line
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

  // vpdpbusd multiplies unsigned by signed bytes, so as in the AVX2 kernel x gives its
  // magnitude and w takes x's sign (AVX-512 has no vpsignb: a masked subtraction from
  // zero negates w where x < 0). |q| <= 127, so |x| fits a byte. Two 32-value blocks
  // fill a register: int32 lanes 0-7 sum block b, lanes 8-15 block b+1, each scaled by
  // its own d_w * d_x.
  template <int R>
  static void q8(const int8_t* xq, const float* xd, const int8_t* const* wq,
                 const float* const* wd, int nb, float* out, size_t ahead) {
    __m512 a[R];
    for (int r = 0; r < R; ++r) a[r] = _mm512_setzero_ps();
    for (int b = 0; b < nb; b += 2) {
      const bool both = b + 1 < nb;
      const __mmask64 bytes = both ? ~__mmask64(0) : __mmask64(0xffffffffu);
      const __m512i xv = _mm512_maskz_loadu_epi8(bytes, xq + 32 * b);
      const __m512i magnitude = _mm512_abs_epi8(xv);
      const __mmask64 negative = _mm512_movepi8_mask(xv);
      const __m512 dx = pair_scales(xd + b, both);
      for (int r = 0; r < R; ++r) {
        if (ahead) prefetch(wq[r] + 32 * b + ahead);
        const __m512i wv = _mm512_maskz_loadu_epi8(bytes, wq[r] + 32 * b);
        const __m512i signed_w = _mm512_mask_sub_epi8(wv, negative, _mm512_setzero_si512(), wv);
        const __m512i sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), magnitude, signed_w);
        const __m512 scale = _mm512_mul_ps(pair_scales(wd[r] + b, both), dx);
        a[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), scale, a[r]);
      }
    }
    for (int r = 0; r < R; ++r) out[r] = _mm512_reduce_add_ps(a[r]);
  }
};

}  // namespace

const MatvecKernels& avx512_matvec_kernels() {
  static const MatvecKernels kernels = matvec_table<Avx512Dot>();
  return kernels;
}

}  // namespace llmforge::cpu
