// The row tiling shared by the SIMD matrix-vector kernels (matvec.h): four weight rows
// at a time share each load of x, and only the first row of x streams the tile from
// memory, asking for the same place eight rows (two tiles) ahead; later rows of x find
// the tile cached. Leftover weight rows go one at a time.
//
// Rows are only K values long, too short a stream for the hardware prefetcher to reach
// full speed on, hence the explicit prefetch. bench_linear --cpu-time, one thread, 46M
// shape, AMD Zen 3: q8_0 7.5 -> 12 GB/s, bf16 10 -> 14 GB/s (f32 unchanged at ~16); one
// tile ahead gained about half as much, four tiles nothing more. A prefetch past the
// end of the matrix is harmless (it never faults).
//
// Included after an ISA's `#pragma GCC target`, so the tiling is compiled for that ISA
// and the policy's dot products inline into it. Dot is a class with
//   template <int R, typename T> static void rows(x, w[R], k, out[R], ahead)
//   template <int R> static void q8(xq, xd, wq[R], wd[R], nb, out[R], ahead)
// computing R <= 4 outputs of one row of x; `ahead` is the prefetch distance in
// elements (0: none).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/cpu/matvec.h"

namespace llmforge::cpu {
// Each ISA's file compiles its own copy for its target: shared inline definitions
// would let the linker keep the AVX-512 one for every caller.
namespace {

inline void store_output(float* y, float v, bool acc) { *y = acc ? *y + v : v; }

template <class Dot, typename T>
void tiled_rows(const float* x, int m, const T* w, int k, float* y, int ldy, int j0, int j1,
                bool acc) {
  const size_t ahead = 8 * size_t(k);
  int j = j0;
  for (; j + 4 <= j1; j += 4) {
    const T* wr[4] = {w + size_t(j) * k, w + size_t(j + 1) * k, w + size_t(j + 2) * k,
                      w + size_t(j + 3) * k};
    for (int i = 0; i < m; ++i) {
      float out[4];
      Dot::template rows<4, T>(x + size_t(i) * k, wr, k, out, i == 0 ? ahead : 0);
      for (int r = 0; r < 4; ++r) store_output(y + size_t(i) * ldy + j + r, out[r], acc);
    }
  }
  for (; j < j1; ++j) {
    const T* wr[1] = {w + size_t(j) * k};
    for (int i = 0; i < m; ++i) {
      float out[1];
      Dot::template rows<1, T>(x + size_t(i) * k, wr, k, out, 0);
      store_output(y + size_t(i) * ldy + j, out[0], acc);
    }
  }
}

template <class Dot>
void tiled_q8_rows(const int8_t* xq, const float* xd, int m, const int8_t* wq, const float* wd,
                   int k, float* y, int ldy, int j0, int j1, bool acc) {
  const int nb = k / 32;
  int j = j0;
  for (; j + 4 <= j1; j += 4) {
    const int8_t* wr[4];
    const float* ws[4];
    for (int r = 0; r < 4; ++r) wr[r] = wq + size_t(j + r) * k, ws[r] = wd + size_t(j + r) * nb;
    for (int i = 0; i < m; ++i) {
      float out[4];
      Dot::template q8<4>(xq + size_t(i) * k, xd + size_t(i) * nb, wr, ws, nb, out,
                          i == 0 ? 8 * size_t(k) : 0);
      for (int r = 0; r < 4; ++r) store_output(y + size_t(i) * ldy + j + r, out[r], acc);
    }
  }
  for (; j < j1; ++j) {
    const int8_t* wr[1] = {wq + size_t(j) * k};
    const float* ws[1] = {wd + size_t(j) * nb};
    for (int i = 0; i < m; ++i) {
      float out[1];
      Dot::template q8<1>(xq + size_t(i) * k, xd + size_t(i) * nb, wr, ws, nb, out, 0);
      store_output(y + size_t(i) * ldy + j, out[0], acc);
    }
  }
}

// The table of one ISA, from its Dot policy.
template <class Dot>
MatvecKernels matvec_table() {
  return {tiled_rows<Dot, float>, tiled_rows<Dot, uint16_t>, tiled_q8_rows<Dot>};
}

}  // namespace
}  // namespace llmforge::cpu
