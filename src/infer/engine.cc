#include "infer/engine.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "kernels/cpu/attention_decode.h"
#include "kernels/cpu/embedding.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/rmsnorm.h"
#include "kernels/cpu/rope.h"
#include "kernels/cpu/swiglu.h"

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

InferenceEngine::InferenceEngine(const Model& model, int n_slots, int max_len)
    : model_(model),
      cache_(
          model.config().n_layers, n_slots,
          max_len > 0 ? std::min(max_len, model.config().max_seq_len) : model.config().max_seq_len,
          model.config().kv_dim()) {}

void InferenceEngine::ensure_scratch(int n) {
  if (n <= cap_rows_) return;
  cap_rows_ = n;
  const ModelConfig& c = model_.config();
  const size_t N = n;
  x_.resize(N * c.dim);
  norm_.resize(N * c.dim);
  rstd_.resize(N);
  q_.resize(N * c.q_dim());
  k_.resize(N * c.kv_dim());
  v_.resize(N * c.kv_dim());
  att_.resize(N * c.q_dim());
  gate_.resize(N * c.ffn_dim);
  up_.resize(N * c.ffn_dim);
  h_.resize(N * c.ffn_dim);
  last_.resize(N * c.dim);
}

void InferenceEngine::matmul(const float* a, const float* b, float* c, int m, int n, int k,
                             bool acc) {
  model_.kernels().matmul(a, b, c, m, n, k, false, true, acc, model_.precision());
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
  const float* w = model_.params();
  const ParamLayout& lay = model_.layout();
  model_.kernels().embedding_forward(x_.data(), tokens, w + lay.embed, n, c.dim);
  // Row r's rotation uses its own position: a table whose row r holds positions[r],
  // applied as one batch of n "time steps".
  rope_ = cpu::rope_table(positions, n, c.head_dim(), c.rope_theta);
  for (int l = 0; l < c.n_layers; ++l) layer_forward(l, slots, positions, n);
  if (n_logit_rows == 0) return;
  for (int i = 0; i < n_logit_rows; ++i) {
    std::memcpy(last_.data() + size_t(i) * c.dim, x_.data() + size_t(logit_rows[i]) * c.dim,
                sizeof(float) * c.dim);
  }
  model_.kernels().rmsnorm_forward(norm_.data(), rstd_.data(), last_.data(), w + lay.final_norm,
                                   n_logit_rows, c.dim, c.norm_eps);
  matmul(norm_.data(), w + lay.lm_head, logits, n_logit_rows, c.vocab_size, c.dim, false);
}

void InferenceEngine::layer_forward(int l, const int* slots, const int* positions, int n) {
  const ModelConfig& c = model_.config();
  const LayerParams& P = model_.layout().layers[l];
  const float* w = model_.params();
  const int C = c.dim, F = c.ffn_dim, QD = c.q_dim(), KVD = c.kv_dim(), HD = c.head_dim();

  model_.kernels().rmsnorm_forward(norm_.data(), rstd_.data(), x_.data(), w + P.attn_norm, n, C,
                                   c.norm_eps);
  matmul(norm_.data(), w + P.wq, q_.data(), n, QD, C, false);
  matmul(norm_.data(), w + P.wk, k_.data(), n, KVD, C, false);
  matmul(norm_.data(), w + P.wv, v_.data(), n, KVD, C, false);
  model_.kernels().rope_forward(q_.data(), rope_, 1, n, c.n_heads, HD);
  model_.kernels().rope_forward(k_.data(), rope_, 1, n, c.n_kv_heads, HD);
  float* kc = cache_.k(l);
  float* vc = cache_.v(l);
  const size_t M = cache_.max_len();
  for (int r = 0; r < n; ++r) {
    const size_t at = (size_t(slots[r]) * M + positions[r]) * KVD;
    std::memcpy(kc + at, k_.data() + size_t(r) * KVD, sizeof(float) * KVD);
    std::memcpy(vc + at, v_.data() + size_t(r) * KVD, sizeof(float) * KVD);
  }
  DecodeAttentionShape shape{c.n_heads, c.n_kv_heads, HD, cache_.max_len()};
  model_.kernels().attention_decode(att_.data(), q_.data(), kc, vc, slots, positions, n, shape);
  matmul(att_.data(), w + P.wo, x_.data(), n, C, QD, true);  // x += att Wo^T

  model_.kernels().rmsnorm_forward(norm_.data(), rstd_.data(), x_.data(), w + P.mlp_norm, n, C,
                                   c.norm_eps);
  matmul(norm_.data(), w + P.w_gate, gate_.data(), n, F, C, false);
  matmul(norm_.data(), w + P.w_up, up_.data(), n, F, C, false);
  model_.kernels().swiglu_forward(h_.data(), gate_.data(), up_.data(), size_t(n) * F);
  matmul(h_.data(), w + P.w_down, x_.data(), n, C, F, true);  // x += h Wdown^T
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
