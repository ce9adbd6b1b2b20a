#include "kernels/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/cpu/matmul.h"

namespace llmforge::cpu {
namespace {

// Query rows are processed in blocks; a block of rows [r0, r1) only sees keys
// [0, r1), so the products skip most of the masked upper triangle.
constexpr int kRowBlock = 64;

// Turns raw scores S (nr x kk, row stride ld) of query rows r0.. into causal
// probabilities in place, writing each row's log-sum-exp (of the scaled scores).
void causal_softmax(float* s, int ld, int r0, int nr, int kk, float scale, float* lse) {
  for (int i = 0; i < nr; ++i) {
    float* row = s + size_t(i) * ld;
    const int n_visible = r0 + i + 1;
    float m = -INFINITY;
    for (int j = 0; j < n_visible; ++j) m = std::max(m, row[j] * scale);
    float sum = 0.0f;
    for (int j = 0; j < n_visible; ++j) {
      row[j] = std::exp(row[j] * scale - m);
      sum += row[j];
    }
    const float inv = 1.0f / sum;
    for (int j = 0; j < n_visible; ++j) row[j] *= inv;
    for (int j = n_visible; j < kk; ++j) row[j] = 0.0f;
    lse[i] = m + std::log(sum);
  }
}

}  // namespace

void attention_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                       const AttentionShape& s) {
  const int T = s.t, NH = s.n_head, NKV = s.n_kv_head, HD = s.head_dim;
  const int group = NH / NKV;
  const int ldq = NH * HD, ldkv = NKV * HD;
  const float scale = 1.0f / std::sqrt(float(HD));
#pragma omp parallel
  {
    std::vector<float> scores(size_t(std::min(kRowBlock, T)) * T);
#pragma omp for collapse(2) schedule(static)
    for (int b = 0; b < s.b; ++b) {
      for (int h = 0; h < NH; ++h) {
        const int kvh = h / group;
        const float* qh = q + size_t(b) * T * ldq + size_t(h) * HD;
        const float* kh = k + size_t(b) * T * ldkv + size_t(kvh) * HD;
        const float* vh = v + size_t(b) * T * ldkv + size_t(kvh) * HD;
        float* oh = out + size_t(b) * T * ldq + size_t(h) * HD;
        float* lse_h = lse + (size_t(b) * NH + h) * T;
        for (int r0 = 0; r0 < T; r0 += kRowBlock) {
          const int nr = std::min(kRowBlock, T - r0), kk = r0 + nr;
          // S = Q[r0:r1] K[0:kk]^T ; P = causal softmax ; O[r0:r1] = P V[0:kk]
          matmul_strided(qh + size_t(r0) * ldq, ldq, kh, ldkv, scores.data(), kk, nr, kk, HD,
                         false, true, false);
          causal_softmax(scores.data(), kk, r0, nr, kk, scale, lse_h + r0);
          matmul_strided(scores.data(), kk, vh, ldkv, oh + size_t(r0) * ldq, ldq, nr, HD, kk,
                         false, false, false);
        }
      }
    }
  }
}

void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* q,
                        const float* k, const float* v, const float* out, const float* lse,
                        const AttentionShape& s) {
  const int T = s.t, NH = s.n_head, NKV = s.n_kv_head, HD = s.head_dim;
  const int group = NH / NKV;
  const int ldq = NH * HD, ldkv = NKV * HD;
  const float scale = 1.0f / std::sqrt(float(HD));
  // One task per (batch, kv head): it owns dk and dv of that head, which every query
  // head of its group adds into, so no two threads write the same memory, and the
  // order of additions is fixed (bitwise reproducible).
#pragma omp parallel
  {
    const size_t block = size_t(std::min(kRowBlock, T)) * T;
    std::vector<float> probs(block), dprobs(block);
#pragma omp for collapse(2) schedule(static)
    for (int b = 0; b < s.b; ++b) {
      for (int kvh = 0; kvh < NKV; ++kvh) {
        const size_t kv_base = size_t(b) * T * ldkv + size_t(kvh) * HD;
        const float* kh = k + kv_base;
        const float* vh = v + kv_base;
        float* dkh = dk + kv_base;
        float* dvh = dv + kv_base;
        for (int t = 0; t < T; ++t) {
          std::memset(dkh + size_t(t) * ldkv, 0, sizeof(float) * HD);
          std::memset(dvh + size_t(t) * ldkv, 0, sizeof(float) * HD);
        }
        for (int h = kvh * group; h < (kvh + 1) * group; ++h) {
          const size_t q_base = size_t(b) * T * ldq + size_t(h) * HD;
          const float* lse_h = lse + (size_t(b) * NH + h) * T;
          for (int r0 = 0; r0 < T; r0 += kRowBlock) {
            const int nr = std::min(kRowBlock, T - r0), kk = r0 + nr;
            const float* qb = q + q_base + size_t(r0) * ldq;
            const float* dob = dout + q_base + size_t(r0) * ldq;
            const float* ob = out + q_base + size_t(r0) * ldq;
            float* dqb = dq + q_base + size_t(r0) * ldq;
            float* p = probs.data();
            float* dp = dprobs.data();
            // Recompute P from the saved log-sum-exp.
            matmul_strided(qb, ldq, kh, ldkv, p, kk, nr, kk, HD, false, true, false);
            // dP = dO V^T
            matmul_strided(dob, ldq, vh, ldkv, dp, kk, nr, kk, HD, false, true, false);
            for (int i = 0; i < nr; ++i) {
              float* prow = p + size_t(i) * kk;
              float* dprow = dp + size_t(i) * kk;
              const int n_visible = r0 + i + 1;
              const float l = lse_h[r0 + i];
              // D = rowsum(P * dP) = dO . O
              float d = 0.0f;
              const float* doi = dob + size_t(i) * ldq;
              const float* oi = ob + size_t(i) * ldq;
              for (int e = 0; e < HD; ++e) d += doi[e] * oi[e];
              for (int j = 0; j < n_visible; ++j) {
                const float pj = std::exp(prow[j] * scale - l);
                prow[j] = pj;
                dprow[j] = pj * (dprow[j] - d) * scale;  // dS, scale folded in
              }
              for (int j = n_visible; j < kk; ++j) prow[j] = dprow[j] = 0.0f;
            }
            // dQ = dS K ; dK += dS^T Q ; dV += P^T dO
            matmul_strided(dp, kk, kh, ldkv, dqb, ldq, nr, HD, kk, false, false, false);
            matmul_strided(dp, kk, qb, ldq, dkh, ldkv, kk, HD, nr, true, false, true);
            matmul_strided(p, kk, dob, ldq, dvh, ldkv, kk, HD, nr, true, false, true);
          }
        }
      }
    }
  }
}

}  // namespace llmforge::cpu
