// Scalar reference implementations of every op in the kernel table, written from
// the math in kernels/backend.h with plain loops and double accumulation: slow,
// obvious, and independent of any backend's code. The conformance suite compares
// each backend against these (as ggml's test-backend-ops compares against its CPU
// backend, and llm.c's kernels against their CPU references). Host vectors only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/backend.h"

namespace llmforge::reference {

using Vec = std::vector<double>;

// C(M,N) = [C +] op(A) op(B), shapes as KernelBackend::matmul. `round_bf16` rounds
// the inputs to bf16 first (the kBf16 contract).
inline Vec matmul(const std::vector<float>& a, const std::vector<float>& b,
                  const std::vector<float>& c_in, int m, int n, int k, bool ta, bool tb, bool acc,
                  bool round_bf16) {
  auto in = [&](float x) { return double(round_bf16 ? round_to_bf16(x) : x); };
  Vec c(size_t(m) * n);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double s = acc ? c_in[size_t(i) * n + j] : 0.0;
      for (int p = 0; p < k; ++p) {
        double av = in(ta ? a[size_t(p) * m + i] : a[size_t(i) * k + p]);
        double bv = in(tb ? b[size_t(j) * k + p] : b[size_t(p) * n + j]);
        s += av * bv;
      }
      c[size_t(i) * n + j] = s;
    }
  }
  return c;
}

inline void rmsnorm_forward(Vec& y, Vec& rstd, const std::vector<float>& x,
                            const std::vector<float>& w, int n, int c, double eps) {
  y.assign(size_t(n) * c, 0.0);
  rstd.assign(n, 0.0);
  for (int r = 0; r < n; ++r) {
    double ss = 0.0;
    for (int j = 0; j < c; ++j) ss += double(x[size_t(r) * c + j]) * x[size_t(r) * c + j];
    rstd[r] = 1.0 / std::sqrt(ss / c + eps);
    for (int j = 0; j < c; ++j) y[size_t(r) * c + j] = w[j] * x[size_t(r) * c + j] * rstd[r];
  }
}

// dx += d/dx, dw += d/dw of L = sum(dy * y).
inline void rmsnorm_backward(Vec& dx, Vec& dw, const std::vector<float>& dy,
                             const std::vector<float>& x, const std::vector<float>& w, int n,
                             int c, double eps) {
  Vec y, rstd;
  rmsnorm_forward(y, rstd, x, w, n, c, eps);
  for (int r = 0; r < n; ++r) {
    const size_t o = size_t(r) * c;
    double dot = 0.0;  // sum_j w_j dy_j x_j
    for (int j = 0; j < c; ++j) dot += double(w[j]) * dy[o + j] * x[o + j];
    const double s = rstd[r];
    for (int j = 0; j < c; ++j) {
      dx[o + j] += s * w[j] * dy[o + j] - s * s * s / c * x[o + j] * dot;
      dw[j] += double(dy[o + j]) * x[o + j] * s;
    }
  }
}

// The fp32 angle computation the contract fixes (as Hugging Face computes it);
// only cos and sin are taken in double.
inline void rope_table(Vec& cos, Vec& sin, const std::vector<int>& pos, int head_dim,
                       float theta) {
  const int half = head_dim / 2;
  cos.assign(pos.size() * half, 0.0);
  sin.assign(pos.size() * half, 0.0);
  for (int i = 0; i < half; ++i) {
    const float inv_freq = 1.0f / std::pow(theta, float(2 * i) / float(head_dim));
    for (size_t p = 0; p < pos.size(); ++p) {
      const float angle = float(pos[p]) * inv_freq;
      cos[p * half + i] = std::cos(double(angle));
      sin[p * half + i] = std::sin(double(angle));
    }
  }
}

// x (B,T,H,HD) rotated by sign * angle of table row t.
inline Vec rope(const std::vector<float>& x, const std::vector<float>& cos,
                const std::vector<float>& sin, int b, int t, int h, int hd, double sign) {
  const int half = hd / 2;
  Vec y(x.size());
  for (int bi = 0; bi < b; ++bi)
    for (int ti = 0; ti < t; ++ti)
      for (int hi = 0; hi < h; ++hi) {
        const size_t o = ((size_t(bi) * t + ti) * h + hi) * hd;
        for (int i = 0; i < half; ++i) {
          const double c = cos[size_t(ti) * half + i], s = sign * sin[size_t(ti) * half + i];
          y[o + i] = x[o + i] * c - x[o + i + half] * s;
          y[o + i + half] = x[o + i + half] * c + x[o + i] * s;
        }
      }
  return y;
}

// Causal GQA attention; q (B,T,NH,HD), k, v (B,T,NKV,HD); out (B,T,NH,HD), lse (B,NH,T).
inline void attention_forward(Vec& out, Vec& lse, const std::vector<float>& q,
                              const std::vector<float>& k, const std::vector<float>& v,
                              const AttentionShape& s) {
  const int NH = s.n_head, NKV = s.n_kv_head, HD = s.head_dim, T = s.t;
  const double scale = 1.0 / std::sqrt(double(HD));
  out.assign(size_t(s.b) * T * NH * HD, 0.0);
  lse.assign(size_t(s.b) * NH * T, 0.0);
  Vec p(T);
  for (int b = 0; b < s.b; ++b)
    for (int h = 0; h < NH; ++h) {
      const int kh = h / (NH / NKV);
      for (int i = 0; i < T; ++i) {
        const float* qi = &q[((size_t(b) * T + i) * NH + h) * HD];
        double m = -INFINITY;
        for (int j = 0; j <= i; ++j) {
          const float* kj = &k[((size_t(b) * T + j) * NKV + kh) * HD];
          double d = 0.0;
          for (int e = 0; e < HD; ++e) d += double(qi[e]) * kj[e];
          p[j] = d * scale;
          m = std::max(m, p[j]);
        }
        double sum = 0.0;
        for (int j = 0; j <= i; ++j) sum += std::exp(p[j] - m);
        lse[(size_t(b) * NH + h) * T + i] = m + std::log(sum);
        double* oi = &out[((size_t(b) * T + i) * NH + h) * HD];
        for (int j = 0; j <= i; ++j) {
          const double pj = std::exp(p[j] - m) / sum;
          const float* vj = &v[((size_t(b) * T + j) * NKV + kh) * HD];
          for (int e = 0; e < HD; ++e) oi[e] += pj * vj[e];
        }
      }
    }
}

// Gradients of L = sum(dout * out) for attention_forward.
inline void attention_backward(Vec& dq, Vec& dk, Vec& dv, const std::vector<float>& dout,
                               const std::vector<float>& q, const std::vector<float>& k,
                               const std::vector<float>& v, const AttentionShape& s) {
  const int NH = s.n_head, NKV = s.n_kv_head, HD = s.head_dim, T = s.t;
  const double scale = 1.0 / std::sqrt(double(HD));
  dq.assign(q.size(), 0.0);
  dk.assign(k.size(), 0.0);
  dv.assign(v.size(), 0.0);
  Vec p(T), dp(T);
  for (int b = 0; b < s.b; ++b)
    for (int h = 0; h < NH; ++h) {
      const int kh = h / (NH / NKV);
      for (int i = 0; i < T; ++i) {
        const size_t qo = ((size_t(b) * T + i) * NH + h) * HD;
        double m = -INFINITY;
        for (int j = 0; j <= i; ++j) {
          const size_t ko = ((size_t(b) * T + j) * NKV + kh) * HD;
          double d = 0.0;
          for (int e = 0; e < HD; ++e) d += double(q[qo + e]) * k[ko + e];
          p[j] = d * scale;
          m = std::max(m, p[j]);
        }
        double sum = 0.0;
        for (int j = 0; j <= i; ++j) sum += std::exp(p[j] - m);
        double dot = 0.0;  // sum_j p_j dp_j
        for (int j = 0; j <= i; ++j) {
          p[j] = std::exp(p[j] - m) / sum;
          const size_t ko = ((size_t(b) * T + j) * NKV + kh) * HD;
          double d = 0.0;
          for (int e = 0; e < HD; ++e) d += double(dout[qo + e]) * v[ko + e];
          dp[j] = d;
          dot += p[j] * d;
        }
        for (int j = 0; j <= i; ++j) {
          const size_t ko = ((size_t(b) * T + j) * NKV + kh) * HD;
          const double ds = p[j] * (dp[j] - dot) * scale;
          for (int e = 0; e < HD; ++e) {
            dq[qo + e] += ds * k[ko + e];
            dk[ko + e] += ds * q[qo + e];
            dv[ko + e] += p[j] * dout[qo + e];
          }
        }
      }
    }
}

// Rows of q (N,NH,HD) against caches (S,M,KVD): row r sees positions 0..pos[r] of
// slot slot[r].
inline Vec attention_decode(const std::vector<float>& q, const std::vector<float>& kc,
                            const std::vector<float>& vc, const std::vector<int>& slot,
                            const std::vector<int>& pos, const DecodeAttentionShape& s) {
  const int NH = s.n_head, NKV = s.n_kv_head, HD = s.head_dim;
  const size_t KVD = size_t(NKV) * HD;
  const double scale = 1.0 / std::sqrt(double(HD));
  Vec out(q.size(), 0.0);
  for (size_t r = 0; r < slot.size(); ++r)
    for (int h = 0; h < NH; ++h) {
      const int kh = h / (NH / NKV);
      const size_t qo = (r * NH + h) * HD;
      Vec p(pos[r] + 1);
      double m = -INFINITY;
      for (int j = 0; j <= pos[r]; ++j) {
        const size_t ko = (size_t(slot[r]) * s.max_len + j) * KVD + size_t(kh) * HD;
        double d = 0.0;
        for (int e = 0; e < HD; ++e) d += double(q[qo + e]) * kc[ko + e];
        p[j] = d * scale;
        m = std::max(m, p[j]);
      }
      double sum = 0.0;
      for (double& x : p) sum += (x = std::exp(x - m));
      for (int j = 0; j <= pos[r]; ++j) {
        const size_t ko = (size_t(slot[r]) * s.max_len + j) * KVD + size_t(kh) * HD;
        for (int e = 0; e < HD; ++e) out[qo + e] += p[j] / sum * vc[ko + e];
      }
    }
  return out;
}

inline double silu(double g) { return g / (1.0 + std::exp(-g)); }

inline void swiglu_backward(Vec& dg, Vec& du, const std::vector<float>& dh,
                            const std::vector<float>& g, const std::vector<float>& u) {
  dg.assign(g.size(), 0.0);
  du.assign(g.size(), 0.0);
  for (size_t i = 0; i < g.size(); ++i) {
    const double sig = 1.0 / (1.0 + std::exp(-double(g[i])));
    du[i] = dh[i] * g[i] * sig;
    dg[i] = dh[i] * u[i] * sig * (1.0 + g[i] * (1.0 - sig));
  }
}

// losses (R) and, scaled, d(loss)/d(logits) (R,V); ignored rows give 0.
inline void cross_entropy(Vec& losses, Vec& grad, const std::vector<float>& logits,
                          const std::vector<int32_t>& targets, const std::vector<float>& weights,
                          double grad_scale, int r, int v) {
  losses.assign(r, 0.0);
  grad.assign(size_t(r) * v, 0.0);
  for (int i = 0; i < r; ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    if (w == 0.0 || targets[i] < 0) continue;
    const float* z = &logits[size_t(i) * v];
    double m = -INFINITY, sum = 0.0;
    for (int j = 0; j < v; ++j) m = std::max(m, double(z[j]));
    for (int j = 0; j < v; ++j) sum += std::exp(z[j] - m);
    const double lse = m + std::log(sum);
    losses[i] = lse - z[targets[i]];
    for (int j = 0; j < v; ++j) {
      grad[size_t(i) * v + j] = (std::exp(z[j] - lse) - (j == targets[i] ? 1.0 : 0.0)) * w *
                                grad_scale;
    }
  }
}

// One AdamW step in double, in place on p, m, v.
inline void adamw(Vec& p, Vec& m, Vec& v, const std::vector<float>& g, const AdamWHyper& h,
                  long step) {
  const double bc1 = 1.0 - std::pow(double(h.beta1), double(step));
  const double bc2 = 1.0 - std::pow(double(h.beta2), double(step));
  for (size_t i = 0; i < p.size(); ++i) {
    p[i] *= 1.0 - double(h.lr) * h.weight_decay;
    m[i] = h.beta1 * m[i] + (1.0 - h.beta1) * g[i];
    v[i] = h.beta2 * v[i] + (1.0 - h.beta2) * double(g[i]) * g[i];
    p[i] -= h.lr / bc1 * m[i] / (std::sqrt(v[i]) / std::sqrt(bc2) + h.eps);
  }
}

}  // namespace llmforge::reference
