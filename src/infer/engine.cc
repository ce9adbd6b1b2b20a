#include "infer/engine.h"

#include <algorithm>
#include <vector>

#include "core/error.h"

namespace llmforge {

namespace {
// Prefill rows per forward: bounds the scratch buffers without losing the GEMM's
// efficiency. Chunks are powers of two (a 37-token prompt runs as 32 + 4 + 1 rows):
// oneDNN builds and caches a primitive per shape, so arbitrary prompt lengths would
// make a long-running server build (and keep) new ones for every request.
constexpr int kPrefillChunk = 256;

int chunk_rows(int remaining) {
  int m = 1;
  while (m * 2 <= remaining && m * 2 <= kPrefillChunk) m *= 2;
  return m;
}
}  // namespace

InferenceEngine::InferenceEngine(const Model& model, int n_slots, int max_len, WeightType weights)
    : model_(model),
      kernels_(model.kernels()),
      cache_(
          model.config().n_layers, n_slots,
          max_len > 0 ? std::min(max_len, model.config().max_seq_len) : model.config().max_seq_len,
          model.config().kv_dim(), model.kernels()),
      weights_(model, weights) {}

void InferenceEngine::ensure_scratch(int n) {
  if (n <= cap_rows_) return;
  cap_rows_ = n;
  const ModelConfig& c = model_.config();
  const size_t N = n;
  const KernelBackend& kb = kernels_;
  x_.reset(kb, N * c.dim);
  norm_.reset(kb, N * c.dim);
  rstd_.reset(kb, N);
  q_.reset(kb, N * c.q_dim());
  k_.reset(kb, N * c.kv_dim());
  v_.reset(kb, N * c.kv_dim());
  att_.reset(kb, N * c.q_dim());
  gate_.reset(kb, N * c.ffn_dim);
  up_.reset(kb, N * c.ffn_dim);
  h_.reset(kb, N * c.ffn_dim);
  last_.reset(kb, N * c.dim);
  logits_.reset(kb, N * c.vocab_size);
  tokens_.reset(kb, N);
  slots_.reset(kb, N);
  positions_.reset(kb, N);
  rope_cos_.reset(kb, N * (c.head_dim() / 2));
  rope_sin_.reset(kb, N * (c.head_dim() / 2));
}

void InferenceEngine::linear(const float* a, const WeightMatrix& w, float* c, int m, bool acc) {
  // fp32 weights under --precision bf16 keep the rounding products of training.
  if (w.type == WeightType::kF32 && model_.precision() != Precision::kFp32) {
    kernels_.matmul(a, static_cast<const float*>(w.data), c, m, w.n, w.k, false, true, acc,
                    model_.precision());
    return;
  }
  kernels_.linear(c, a, w, m, acc);
}

void InferenceEngine::linear_group(const float* a, const WeightMatrix* ws, float* const* cs,
                                   int count, int m) {
  if (model_.precision() != Precision::kFp32) {
    for (int i = 0; i < count; ++i) linear(a, ws[i], cs[i], m, false);
    return;
  }
  kernels_.linear_group(cs, a, ws, count, m, false);
}

void InferenceEngine::forward(const int32_t* tokens, const int* slots, const int* positions, int n,
                              const int* logit_rows, int n_logit_rows, float* logits) {
  const ModelConfig& c = model_.config();
  if (n <= 0) ErrorBuilder("infer") << "forward with no rows";
  for (int r = 0; r < n; ++r) {
    if (tokens[r] < 0 || tokens[r] >= c.vocab_size) {
      ErrorBuilder("infer") << "token id " << tokens[r] << " in row " << r
                            << " is outside the vocabulary [0, " << c.vocab_size << ")";
    }
    if (slots[r] < 0 || slots[r] >= cache_.n_slots()) {
      ErrorBuilder("infer") << "slot " << slots[r] << " in row " << r << " outside [0, "
                            << cache_.n_slots() << ")";
    }
    if (positions[r] < 0 || positions[r] >= cache_.max_len()) {
      ErrorBuilder("infer") << "position " << positions[r] << " in row " << r
                            << " outside the context [0, " << cache_.max_len() << ")";
    }
  }
  for (int i = 0; i < n_logit_rows; ++i) {
    LLMF_CHECK(logit_rows[i] >= 0 && logit_rows[i] < n) << "logit row out of range";
  }
  ensure_scratch(n);
  tokens_.copy_from_host(tokens, n);
  slots_.copy_from_host(slots, n);
  positions_.copy_from_host(positions, n);
  const float* w = model_.params();
  const ParamLayout& lay = model_.layout();
  kernels_.weight_rows(x_.data(), tokens_.data(), weights_.embed(), n);
  // Row r's rotation uses its own position: a table whose row r holds positions[r],
  // applied as one batch of n "time steps".
  kernels_.rope_table(rope_cos_.data(), rope_sin_.data(), positions_.data(), n, c.head_dim(),
                      c.rope_theta);
  rope_ = RopeTable{n, c.head_dim() / 2, rope_cos_.data(), rope_sin_.data()};
  for (int l = 0; l < c.n_layers; ++l) layer_forward(l, n);
  if (n_logit_rows == 0) return;
  for (int i = 0; i < n_logit_rows; ++i) {
    kernels_.copy(last_.data() + size_t(i) * c.dim, x_.data() + size_t(logit_rows[i]) * c.dim,
                  sizeof(float) * c.dim);
  }
  kernels_.rmsnorm_forward(norm_.data(), rstd_.data(), last_.data(), w + lay.final_norm,
                           n_logit_rows, c.dim, c.norm_eps);
  linear(norm_.data(), weights_.lm_head(), logits_.data(), n_logit_rows, false);
  logits_.copy_to_host(logits, size_t(n_logit_rows) * c.vocab_size);
}

void InferenceEngine::layer_forward(int l, int n) {
  const ModelConfig& c = model_.config();
  const LayerParams& P = model_.layout().layers[l];
  const float* w = model_.params();
  const int C = c.dim, F = c.ffn_dim, KVD = c.kv_dim(), HD = c.head_dim();

  kernels_.rmsnorm_forward(norm_.data(), rstd_.data(), x_.data(), w + P.attn_norm, n, C,
                                   c.norm_eps);
  const WeightStore::Layer& W = weights_.layer(l);
  const WeightMatrix qkv[3] = {W.wq, W.wk, W.wv};
  float* const qkv_out[3] = {q_.data(), k_.data(), v_.data()};
  linear_group(norm_.data(), qkv, qkv_out, 3, n);
  kernels_.rope_forward(q_.data(), rope_, 1, n, c.n_heads, HD);
  kernels_.rope_forward(k_.data(), rope_, 1, n, c.n_kv_heads, HD);
  float* kc = cache_.k(l);
  float* vc = cache_.v(l);
  kernels_.kv_cache_write(kc, vc, k_.data(), v_.data(), slots_.data(), positions_.data(), n, KVD,
                          cache_.max_len());
  DecodeAttentionShape shape{c.n_heads, c.n_kv_heads, HD, cache_.max_len()};
  kernels_.attention_decode(att_.data(), q_.data(), kc, vc, slots_.data(), positions_.data(), n,
                            shape);
  linear(att_.data(), W.wo, x_.data(), n, true);  // x += att Wo^T

  kernels_.rmsnorm_forward(norm_.data(), rstd_.data(), x_.data(), w + P.mlp_norm, n, C,
                                   c.norm_eps);
  const WeightMatrix gate_up[2] = {W.w_gate, W.w_up};
  float* const gate_up_out[2] = {gate_.data(), up_.data()};
  linear_group(norm_.data(), gate_up, gate_up_out, 2, n);
  kernels_.swiglu_forward(h_.data(), gate_.data(), up_.data(), size_t(n) * F);
  linear(h_.data(), W.w_down, x_.data(), n, true);  // x += h Wdown^T
}

void InferenceEngine::prefill(int slot, const int32_t* tokens, int n, int start,
                              float* last_logits) {
  if (n <= 0) ErrorBuilder("infer") << "empty prompt";
  if (start + n > cache_.max_len()) {
    ErrorBuilder("infer") << "prompt of " << n << " tokens from position " << start
                          << " exceeds the context of " << cache_.max_len();
  }
  std::vector<int> slots, positions;
  for (int done = 0, m = 0; done < n; done += m) {
    m = chunk_rows(n - done);
    slots.assign(m, slot);
    positions.resize(m);
    for (int i = 0; i < m; ++i) positions[i] = start + done + i;
    const bool last = done + m == n;
    const int last_row = m - 1;
    forward(tokens + done, slots.data(), positions.data(), m, &last_row, last ? 1 : 0, last_logits);
  }
}

void InferenceEngine::decode(const int32_t* tokens, const int* slots, const int* positions, int n,
                             float* logits) {
  std::vector<int> rows(n);
  for (int i = 0; i < n; ++i) rows[i] = i;
  forward(tokens, slots, positions, n, rows.data(), n, logits);
}

}  // namespace llmforge
