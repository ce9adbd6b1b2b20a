#include "model/model.h"

#include <cmath>
#include <vector>

#include "core/arena.h"
#include "core/cpu_state.h"
#include "core/error.h"
#include "core/log.h"
#include "core/profiler.h"
#include "core/rng.h"

namespace llmforge {

namespace {
ModelConfig validated(const ModelConfig& c) {
  c.validate();
  return c;
}
}  // namespace

Model::Model(const ModelConfig& config, Precision precision, const KernelBackend& kernels)
    : config_(validated(config)),
      kernels_(&kernels),
      layout_(config_),
      precision_(precision),
      params_(kernels, layout_.total()),
      grads_(kernels, layout_.total()) {
  enable_flush_denormals();
  if (precision_ == Precision::kBf16 && !kernels_->native_bf16()) {
    static bool warned = false;  // once per process
    if (!warned) {
      LLMF_LOG(Warn) << "bf16: this CPU has no AVX512_BF16/AMX; products run in fp32 on "
                        "bf16-rounded inputs (bf16 numerics, no speed-up)";
      warned = true;
    }
  }
}

const ParamInfo& Model::info(const std::string& name) const {
  const ParamInfo* p = layout_.find(name);
  if (!p) ErrorBuilder("model") << "no parameter named " << name;
  return *p;
}

float* Model::param(const std::string& name) { return params_.data() + info(name).offset; }
float* Model::grad(const std::string& name) { return grads_.data() + info(name).offset; }

void Model::init_random(uint64_t seed, float std) {
  Rng rng(seed);
  const float out_std = std / std::sqrt(2.0f * config_.n_layers);
  std::vector<float> w;  // one tensor on the host, then copied to the backend
  for (const ParamInfo& p : layout_.params()) {
    w.resize(p.size);
    if (p.shape.size() == 1) {
      for (size_t i = 0; i < p.size; ++i) w[i] = 1.0f;
    } else {
      bool residual_out = p.name.find("o_proj") != std::string::npos ||
                          p.name.find("down_proj") != std::string::npos;
      float s = residual_out ? out_std : std;
      for (size_t i = 0; i < p.size; ++i) w[i] = float(rng.normal()) * s;
    }
    params_.copy_from_host(w.data(), p.size, p.offset);
  }
}

void Model::zero_grad() { grads_.zero(); }

void Model::matmul(const float* a, const float* b, float* c, int m, int n, int k, bool ta,
                   bool tb, bool acc) {
  ProfileScope scope("matmul");
  kernels_->matmul(a, b, c, m, n, k, ta, tb, acc, precision_);
}

void Model::ensure_activations(int b, int t) {
  if (b * t <= cap_b_ * cap_t_ && t <= cap_t_ && b <= cap_b_) {
    b_ = b;
    t_ = t;
    return;
  }
  // Sized for the largest (b, t) seen; a smaller batch reuses the same buffers with
  // its own strides (all kernels take explicit dims).
  cap_b_ = std::max(b, cap_b_);
  cap_t_ = std::max(t, cap_t_);
  b_ = b;
  t_ = t;
  const size_t N = size_t(cap_b_) * cap_t_, C = config_.dim, F = config_.ffn_dim;
  const size_t QD = config_.q_dim(), KVD = config_.kv_dim(), NH = config_.n_heads;
  ArenaLayout lay;
  layer_acts_.clear();
  for (int l = 0; l < config_.n_layers; ++l) {
    std::string p = "layer" + std::to_string(l) + ".";
    LayerActs a;
    a.res_in = lay.add(p + "res_in", N * C);
    a.norm1 = lay.add(p + "norm1", N * C);
    a.rstd1 = lay.add(p + "rstd1", N);
    a.q = lay.add(p + "q", N * QD);
    a.k = lay.add(p + "k", N * KVD);
    a.v = lay.add(p + "v", N * KVD);
    a.att = lay.add(p + "att", N * QD);
    a.lse = lay.add(p + "lse", N * NH);
    a.mid = lay.add(p + "mid", N * C);
    a.norm2 = lay.add(p + "norm2", N * C);
    a.rstd2 = lay.add(p + "rstd2", N);
    a.gate = lay.add(p + "gate", N * F);
    a.up = lay.add(p + "up", N * F);
    a.h = lay.add(p + "h", N * F);
    layer_acts_.push_back(a);
  }
  res_final_ = lay.add("res_final", N * C);
  norm_final_ = lay.add("norm_final", N * C);
  rstd_final_ = lay.add("rstd_final", N);
  values_ = lay.add("values", N);
  d_res_ = lay.add("d_res", N * C);
  d_norm_ = lay.add("d_norm", N * C);
  d_q_ = lay.add("d_q", N * QD);
  d_k_ = lay.add("d_k", N * KVD);
  d_v_ = lay.add("d_v", N * KVD);
  d_att_ = lay.add("d_att", N * QD);
  d_gate_ = lay.add("d_gate", N * F);
  d_up_ = lay.add("d_up", N * F);
  d_h_ = lay.add("d_h", N * F);
  logits_buf_ = lay.add("logits", size_t(logits_chunk_rows()) * config_.vocab_size);
  acts_.reset(*kernels_, lay.total());
  tokens_.reset(*kernels_, N);
  if (config_.value_head) dvalues_.reset(*kernels_, N);
  std::vector<int> positions(cap_t_);
  for (int i = 0; i < cap_t_; ++i) positions[i] = i;
  DeviceArray<int> device_positions(*kernels_, cap_t_);
  device_positions.copy_from_host(positions.data(), cap_t_);
  const int half = config_.head_dim() / 2;
  rope_cos_.reset(*kernels_, size_t(cap_t_) * half);
  rope_sin_.reset(*kernels_, size_t(cap_t_) * half);
  kernels_->rope_table(rope_cos_.data(), rope_sin_.data(), device_positions.data(), cap_t_,
                       config_.head_dim(), config_.rope_theta);
  rope_ = RopeTable{cap_t_, half, rope_cos_.data(), rope_sin_.data()};
}

int Model::logits_chunk_rows() const {
  const int kMaxFloats = 4 << 20;  // 16 MiB of fp32 logits
  int rows = std::max(1, kMaxFloats / config_.vocab_size);
  return std::min(rows, std::max(1, cap_b_ * cap_t_));
}

void Model::forward(const int32_t* tokens, int b, int t) {
  if (b <= 0 || t <= 0) ErrorBuilder("model") << "empty batch (" << b << "x" << t << ")";
  if (t > config_.max_seq_len) {
    ErrorBuilder("model") << "sequence length " << t << " exceeds max_position_embeddings "
                          << config_.max_seq_len;
  }
  const size_t N = size_t(b) * t;
  for (size_t i = 0; i < N; ++i) {
    if (tokens[i] < 0 || tokens[i] >= config_.vocab_size) {
      ErrorBuilder("model") << "token id " << tokens[i] << " at position " << i
                            << " is outside the vocabulary [0, " << config_.vocab_size << ")";
    }
  }
  ensure_activations(b, t);
  tokens_.copy_from_host(tokens, N);
  const int C = config_.dim;
  {
    ProfileScope scope("embedding");
    kernels_->embedding_forward(act(layer_acts_[0].res_in), tokens_.data(),
                                params_.data() + layout_.embed, int(N), C);
  }
  for (int l = 0; l < config_.n_layers; ++l) layer_forward(l);
  {
    ProfileScope scope("rmsnorm fwd");
    kernels_->rmsnorm_forward(act(norm_final_), act(rstd_final_), act(res_final_),
                         params_.data() + layout_.final_norm, int(N), C, config_.norm_eps);
  }
  if (config_.value_head) {
    kernels_->value_head_forward(act(values_), act(norm_final_),
                                 params_.data() + layout_.value_head, int(N), C);
  }
}

void Model::layer_forward(int l) {
  const LayerParams& P = layout_.layers[l];
  const LayerActs& A = layer_acts_[l];
  const int N = b_ * t_, C = config_.dim, F = config_.ffn_dim;
  const int QD = config_.q_dim(), KVD = config_.kv_dim();
  const float* w = params_.data();
  float* res_out = l + 1 < config_.n_layers ? act(layer_acts_[l + 1].res_in) : act(res_final_);

  {
    ProfileScope scope("rmsnorm fwd");
    kernels_->rmsnorm_forward(act(A.norm1), act(A.rstd1), act(A.res_in), w + P.attn_norm, N, C,
                         config_.norm_eps);
  }
  matmul(act(A.norm1), w + P.wq, act(A.q), N, QD, C, false, true, false);
  matmul(act(A.norm1), w + P.wk, act(A.k), N, KVD, C, false, true, false);
  matmul(act(A.norm1), w + P.wv, act(A.v), N, KVD, C, false, true, false);
  {
    ProfileScope scope("rope");
    kernels_->rope_forward(act(A.q), rope_, b_, t_, config_.n_heads, config_.head_dim());
    kernels_->rope_forward(act(A.k), rope_, b_, t_, config_.n_kv_heads, config_.head_dim());
  }
  AttentionShape shape{b_, t_, config_.n_heads, config_.n_kv_heads, config_.head_dim()};
  {
    ProfileScope scope("attention fwd");
    kernels_->attention_forward(act(A.att), act(A.lse), act(A.q), act(A.k), act(A.v), shape);
  }
  // mid = res_in + att Wo^T
  kernels_->copy(act(A.mid), act(A.res_in), sizeof(float) * size_t(N) * C);
  matmul(act(A.att), w + P.wo, act(A.mid), N, C, QD, false, true, true);

  {
    ProfileScope scope("rmsnorm fwd");
    kernels_->rmsnorm_forward(act(A.norm2), act(A.rstd2), act(A.mid), w + P.mlp_norm, N, C,
                         config_.norm_eps);
  }
  matmul(act(A.norm2), w + P.w_gate, act(A.gate), N, F, C, false, true, false);
  matmul(act(A.norm2), w + P.w_up, act(A.up), N, F, C, false, true, false);
  {
    ProfileScope scope("swiglu fwd");
    kernels_->swiglu_forward(act(A.h), act(A.gate), act(A.up), size_t(N) * F);
  }
  // res_out = mid + h Wdown^T
  kernels_->copy(res_out, act(A.mid), sizeof(float) * size_t(N) * C);
  matmul(act(A.h), w + P.w_down, res_out, N, C, F, false, true, true);
}

void Model::logits(int first_row, int n_rows, float* out) {
  LLMF_CHECK(first_row >= 0 && first_row + n_rows <= b_ * t_) << "rows out of range";
  const int C = config_.dim, V = config_.vocab_size;
  matmul(act(norm_final_) + size_t(first_row) * C, params_.data() + layout_.lm_head, out, n_rows,
         V, C, false, true, false);
}

void Model::for_each_logits_chunk(const LogitsReadFn& fn) {
  const int N = b_ * t_, chunk = logits_chunk_rows();
  float* buf = act(logits_buf_);
  for (int r = 0; r < N; r += chunk) {
    int n = std::min(chunk, N - r);
    logits(r, n, buf);
    fn(r, n, buf);
  }
}

const float* Model::values() const {
  return config_.value_head ? acts_.data() + values_ : nullptr;
}

const float* Model::hidden() const { return acts_.data() + norm_final_; }

void Model::backward(const LogitsGradFn& logits_fn, const float* dvalues) {
  LLMF_CHECK(b_ > 0) << "backward before forward";
  const int N = b_ * t_, C = config_.dim, V = config_.vocab_size;
  float* d_norm = act(d_norm_);
  kernels_->memset(d_norm, 0, sizeof(float) * size_t(N) * C);
  const float* x = act(norm_final_);

  if (logits_fn) {
    const int chunk = logits_chunk_rows();
    float* buf = act(logits_buf_);
    const float* w_head = params_.data() + layout_.lm_head;
    float* dw_head = grads_.data() + layout_.lm_head;
    for (int r = 0; r < N; r += chunk) {
      int n = std::min(chunk, N - r);
      logits(r, n, buf);
      logits_fn(r, n, buf);  // now d(loss)/d(logits)
      matmul(buf, w_head, d_norm + size_t(r) * C, n, C, V, false, false, false);
      matmul(buf, x + size_t(r) * C, dw_head, V, C, n, true, false, true);
    }
  }
  if (dvalues && config_.value_head) {
    dvalues_.copy_from_host(dvalues, size_t(N));
    kernels_->value_head_backward(d_norm, grads_.data() + layout_.value_head, dvalues_.data(), x,
                                  params_.data() + layout_.value_head, N, C);
  }

  float* d_res = act(d_res_);
  kernels_->memset(d_res, 0, sizeof(float) * size_t(N) * C);
  {
    ProfileScope scope("rmsnorm bwd");
    kernels_->rmsnorm_backward(d_res, grads_.data() + layout_.final_norm, d_norm, act(res_final_),
                          params_.data() + layout_.final_norm, act(rstd_final_), N, C);
  }
  for (int l = config_.n_layers - 1; l >= 0; --l) layer_backward(l, d_res);
  {
    ProfileScope scope("embedding");
    kernels_->embedding_backward(grads_.data() + layout_.embed, tokens_.data(), d_res, N, C);
  }
}

void Model::layer_backward(int l, float* d_res) {
  const LayerParams& P = layout_.layers[l];
  const LayerActs& A = layer_acts_[l];
  const int N = b_ * t_, C = config_.dim, F = config_.ffn_dim;
  const int QD = config_.q_dim(), KVD = config_.kv_dim();
  const float* w = params_.data();
  float* g = grads_.data();
  float* d_norm = act(d_norm_);

  // MLP: res_out = mid + h Wdown^T, h = swiglu(norm2 Wg^T, norm2 Wu^T).
  matmul(d_res, w + P.w_down, act(d_h_), N, F, C, false, false, false);
  matmul(d_res, act(A.h), g + P.w_down, C, F, N, true, false, true);
  {
    ProfileScope scope("swiglu bwd");
    kernels_->swiglu_backward(act(d_gate_), act(d_up_), act(d_h_), act(A.gate), act(A.up),
                         size_t(N) * F);
  }
  matmul(act(d_gate_), w + P.w_gate, d_norm, N, C, F, false, false, false);
  matmul(act(d_up_), w + P.w_up, d_norm, N, C, F, false, false, true);
  matmul(act(d_gate_), act(A.norm2), g + P.w_gate, F, C, N, true, false, true);
  matmul(act(d_up_), act(A.norm2), g + P.w_up, F, C, N, true, false, true);
  // d_res becomes d(mid): the residual path plus the norm's contribution.
  {
    ProfileScope scope("rmsnorm bwd");
    kernels_->rmsnorm_backward(d_res, g + P.mlp_norm, d_norm, act(A.mid), w + P.mlp_norm,
                          act(A.rstd2), N, C);
  }

  // Attention: mid = res_in + att Wo^T.
  matmul(d_res, w + P.wo, act(d_att_), N, QD, C, false, false, false);
  matmul(d_res, act(A.att), g + P.wo, C, QD, N, true, false, true);
  AttentionShape shape{b_, t_, config_.n_heads, config_.n_kv_heads, config_.head_dim()};
  {
    ProfileScope scope("attention bwd");
    kernels_->attention_backward(act(d_q_), act(d_k_), act(d_v_), act(d_att_), act(A.q), act(A.k),
                            act(A.v), act(A.att), act(A.lse), shape);
  }
  {
    ProfileScope scope("rope");
    kernels_->rope_backward(act(d_q_), rope_, b_, t_, config_.n_heads, config_.head_dim());
    kernels_->rope_backward(act(d_k_), rope_, b_, t_, config_.n_kv_heads, config_.head_dim());
  }
  matmul(act(d_q_), w + P.wq, d_norm, N, C, QD, false, false, false);
  matmul(act(d_k_), w + P.wk, d_norm, N, C, KVD, false, false, true);
  matmul(act(d_v_), w + P.wv, d_norm, N, C, KVD, false, false, true);
  matmul(act(d_q_), act(A.norm1), g + P.wq, QD, C, N, true, false, true);
  matmul(act(d_k_), act(A.norm1), g + P.wk, KVD, C, N, true, false, true);
  matmul(act(d_v_), act(A.norm1), g + P.wv, KVD, C, N, true, false, true);
  // d_res becomes d(res_in).
  {
    ProfileScope scope("rmsnorm bwd");
    kernels_->rmsnorm_backward(d_res, g + P.attn_norm, d_norm, act(A.res_in), w + P.attn_norm,
                          act(A.rstd1), N, C);
  }
}

}  // namespace llmforge
