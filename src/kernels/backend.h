// The backend-neutral kernel interface. The model, losses and optimizer call kernels
// only through a KernelBackend, so another backend (CUDA, later) supplies the same
// functions over its own memory and is tested against the CPU one, op by op.
// cpu_backend() is the reference implementation (src/kernels/cpu/).
//
// Conventions shared by every backend: row-major buffers, explicit dimensions,
// forward/backward pairs; backward functions document which outputs they
// overwrite and which they accumulate into (see the cpu/ headers).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/cpu/adamw.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/attention_decode.h"
#include "kernels/cpu/rope.h"
#include "kernels/precision.h"

namespace llmforge {

using AttentionShape = cpu::AttentionShape;
using DecodeAttentionShape = cpu::DecodeAttentionShape;
using RopeTable = cpu::RopeTable;
using AdamWHyper = cpu::AdamWHyper;

struct KernelBackend {
  const char* name;

  void (*matmul)(const float* a, const float* b, float* c, int m, int n, int k, bool trans_a,
                 bool trans_b, bool accumulate, Precision precision);

  void (*embedding_forward)(float* out, const int32_t* tokens, const float* table, int n, int c);
  void (*embedding_backward)(float* dtable, const int32_t* tokens, const float* dout, int n, int c);

  void (*rmsnorm_forward)(float* y, float* rstd, const float* x, const float* w, int n, int c,
                          float eps);
  void (*rmsnorm_backward)(float* dx, float* dw, const float* dy, const float* x, const float* w,
                           const float* rstd, int n, int c);

  void (*rope_forward)(float* x, const RopeTable& table, int b, int t, int n_head, int head_dim);
  void (*rope_backward)(float* dx, const RopeTable& table, int b, int t, int n_head, int head_dim);

  void (*attention_forward)(float* out, float* lse, const float* q, const float* k, const float* v,
                            const AttentionShape& s);
  void (*attention_backward)(float* dq, float* dk, float* dv, const float* dout, const float* q,
                             const float* k, const float* v, const float* out, const float* lse,
                             const AttentionShape& s);

  // Inference: rows of different sequences attending to their own KV-cache slots.
  void (*attention_decode)(float* out, const float* q, const float* k_cache, const float* v_cache,
                           const int* slot, const int* pos, int n_rows,
                           const DecodeAttentionShape& s);

  void (*swiglu_forward)(float* h, const float* gate, const float* up, size_t n);
  void (*swiglu_backward)(float* dgate, float* dup, const float* dh, const float* gate,
                          const float* up, size_t n);

  void (*cross_entropy_forward_backward)(float* logits, float* losses, const int32_t* targets,
                                         const float* weights, float grad_scale, int r, int v);

  void (*adamw_update)(float* p, const float* g, float* m, float* v, size_t n, const AdamWHyper& h,
                       long step);
  double (*sum_squares)(const float* g, size_t n);
  void (*scale_inplace)(float* x, size_t n, float s);
};

const KernelBackend& cpu_backend();

}  // namespace llmforge
