// The backend-neutral kernel interface. The model, the inference engine, the losses
// and the optimizer reach kernels and kernel memory only through a KernelBackend, so
// another backend (CUDA, later) supplies the same table over its own memory and is
// checked against the reference by the conformance suite
// (tests/kernels/backend_conformance_test.cc), op by op, without touching the model.
// cpu_backend() is the reference and production CPU implementation (src/kernels/cpu/);
// kernels/registry.h lists every backend this build has.
//
// This header is the whole contract: the shape and parameter types of the ops live
// here, and nothing outside src/kernels/cpu includes a cpu/ header (a ctest checks).
//
// Conventions shared by every backend:
// - Memory: every pointer an op reads or writes is backend memory (from `alloc`),
//   unless its comment says "host". Host data goes in and out through
//   copy_to_device / copy_to_host. The CPU backend's memory is host memory.
// - Row-major buffers, explicit dimensions, forward/backward pairs; backward
//   functions say which outputs they overwrite and which they accumulate into.
// - Dimension letters: N rows, C channels, V vocabulary, B batch, T sequence,
//   NH/NKV query/key-value heads, HD head dim, KVD = NKV*HD, S cache slots,
//   M positions per slot.
// - Determinism: for a fixed thread count every op gives the same bits run to run.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/precision.h"
#include "kernels/weights.h"

namespace llmforge {

// Causal self-attention over a training batch; GQA: query head h reads key/value
// head h / (n_head / n_kv_head).
struct AttentionShape {
  int b, t, n_head, n_kv_head, head_dim;
};

// Attention of rows at arbitrary positions against a KV cache.
struct DecodeAttentionShape {
  int n_head, n_kv_head, head_dim;
  int max_len;  // M: positions per slot in the cache
};

// AdamW hyper-parameters of one update (see adamw_update).
struct AdamWHyper {
  float lr;
  float beta1;
  float beta2;
  float eps;
  float weight_decay;
};

// Rotary cos/sin tables (n_pos, half) in backend memory, filled by rope_table.
// A view: the caller owns the two buffers (e.g. DeviceArray, kernels/device_array.h).
struct RopeTable {
  int n_pos = 0;
  int half = 0;  // head_dim / 2
  const float* cos = nullptr;
  const float* sin = nullptr;
};

struct KernelBackend {
  const char* name;

  // ---- Memory -------------------------------------------------------------------
  // `bytes` of backend memory, 64-byte aligned, contents unspecified; throws Error
  // when it cannot. alloc(0) may return nullptr.
  void* (*alloc)(size_t bytes);
  void (*free)(void* p);  // accepts nullptr
  void (*memset)(void* dst, int value, size_t bytes);
  void (*copy_to_device)(void* dst, const void* host_src, size_t bytes);
  void (*copy_to_host)(void* host_dst, const void* src, size_t bytes);
  void (*copy)(void* dst, const void* src, size_t bytes);  // within backend memory

  // ---- Capabilities ---------------------------------------------------------------
  // Whether bf16 products run natively (CPU: AVX512_BF16 / AMX) rather than by
  // rounding fp32 inputs to bf16 values and multiplying in fp32 (same numbers).
  bool (*native_bf16)();
  // Measured peak of one (n x n x n) product in FLOP/s, best of `repeats` (for MFU).
  double (*measure_gemm_flops)(int n, Precision precision, int repeats);

  // ---- Ops ------------------------------------------------------------------------
  // C(M,N) [+]= op(A) op(B); op(A) is (M,K): A stored (M,K), or (K,M) if trans_a;
  // op(B) is (K,N): B stored (K,N), or (N,K) if trans_b. kBf16 rounds the inputs to
  // bf16 and accumulates in fp32.
  void (*matmul)(const float* a, const float* b, float* c, int m, int n, int k, bool trans_a,
                 bool trans_b, bool accumulate, Precision precision);

  // out (N,C) = table[tokens] with table (V,C); tokens (N) already validated.
  void (*embedding_forward)(float* out, const int32_t* tokens, const float* table, int n, int c);
  // dtable[tokens[i]] += dout[i] (accumulates), in row order.
  void (*embedding_backward)(float* dtable, const int32_t* tokens, const float* dout, int n, int c);

  // y (N,C) = w * x / sqrt(mean(x^2) + eps); rstd (N) saved for the backward pass.
  void (*rmsnorm_forward)(float* y, float* rstd, const float* x, const float* w, int n, int c,
                          float eps);
  // dx (N,C) += d/dx; dw (C) += d/dw (both accumulate).
  void (*rmsnorm_backward)(float* dx, float* dw, const float* dy, const float* x, const float* w,
                           const float* rstd, int n, int c);

  // Fills cos, sin (n_pos, head_dim/2) for `positions` (n_pos), angle =
  // pos * theta^(-2i/head_dim), computed in fp32 as Hugging Face does.
  void (*rope_table)(float* cos, float* sin, const int* positions, int n_pos, int head_dim,
                     float theta);
  // Rotate-half RoPE in place on x (B,T,H,HD), row t of the table for time step t.
  void (*rope_forward)(float* x, const RopeTable& table, int b, int t, int n_head, int head_dim);
  // Rotation by -angle in place on dx (the rotation is orthogonal).
  void (*rope_backward)(float* dx, const RopeTable& table, int b, int t, int n_head, int head_dim);

  // q, out (B,T,NH,HD); k, v (B,T,NKV,HD); lse (B,NH,T) is the log-sum-exp of each
  // scaled score row (scale 1/sqrt(HD)), saved for the backward pass.
  void (*attention_forward)(float* out, float* lse, const float* q, const float* k, const float* v,
                            const AttentionShape& s);
  // dq, dk, dv are overwritten.
  void (*attention_backward)(float* dq, float* dk, float* dv, const float* dout, const float* q,
                             const float* k, const float* v, const float* out, const float* lse,
                             const AttentionShape& s);

  // Inference: q, out (N,NH,HD); caches (S,M,KVD); row r attends to positions
  // 0..pos[r] of slot slot[r], already written.
  void (*attention_decode)(float* out, const float* q, const float* k_cache, const float* v_cache,
                           const int* slot, const int* pos, int n_rows,
                           const DecodeAttentionShape& s);
  // Writes row r of k, v (N,KVD) at position pos[r] of slot slot[r] of the caches
  // (S,M,KVD) of one layer.
  void (*kv_cache_write)(float* k_cache, float* v_cache, const float* k, const float* v,
                         const int* slot, const int* pos, int n_rows, int kv_dim, int max_len);

  // Inference products with stored weights (kernels/weights.h): y (M,N) [+]= x (M,K)
  // W^T for w (N,K) in its storage type, fp32 accumulation (q8_0: x quantized to
  // int8 blocks as ggml does, see cpu/linear.h).
  void (*linear)(float* y, const float* x, const WeightMatrix& w, int m, bool accumulate);
  // The same x (M,K) through `count` matrices of equal K at once (q, k, v; gate, up):
  // ys[i] (M, ws[i].n) [+]= x W_i^T, one pass of the threads instead of one per
  // matrix (decode runs a hundred small products per token).
  void (*linear_group)(float* const* ys, const float* x, const WeightMatrix* ws, int count, int m,
                       bool accumulate);
  // out (N,C) = rows tokens (N) of a stored table (V,C), widened to fp32.
  void (*weight_rows)(float* out, const int32_t* tokens, const WeightMatrix& table, int n);

  // h = silu(gate) * up, all (N) flat.
  void (*swiglu_forward)(float* h, const float* gate, const float* up, size_t n);
  // dgate, dup are overwritten.
  void (*swiglu_backward)(float* dgate, float* dup, const float* dh, const float* gate,
                          const float* up, size_t n);

  // Value head: values (N) = x (N,C) . w (C).
  void (*value_head_forward)(float* values, const float* x, const float* w, int n, int c);
  // dx (N,C) += dvalues w^T; dw (C) += x^T dvalues (both accumulate).
  void (*value_head_backward)(float* dx, float* dw, const float* dvalues, const float* x,
                              const float* w, int n, int c);

  // Token cross-entropy fused with the softmax over logits (R,V). losses (R) out:
  // -log softmax[target] (0 for ignored rows: target < 0 or weight 0); weights (R)
  // may be null (all 1). When grad_scale != 0 the logits are overwritten by
  // (softmax - onehot) * weight * grad_scale (0 on ignored rows); otherwise they are
  // left unchanged.
  void (*cross_entropy_forward_backward)(float* logits, float* losses, const int32_t* targets,
                                         const float* weights, float grad_scale, int r, int v);

  // AdamW in PyTorch's order on p, g, m, v (N); `step` counts from 1.
  void (*adamw_update)(float* p, const float* g, float* m, float* v, size_t n, const AdamWHyper& h,
                       long step);
  // Sum of squares of g (N) accumulated in double, returned to the host.
  double (*sum_squares)(const float* g, size_t n);
  void (*scale_inplace)(float* x, size_t n, float s);
};

// The CPU backend (src/kernels/cpu/): oneDNN products, OpenMP elsewhere.
const KernelBackend& cpu_backend();

}  // namespace llmforge
