#include "kernels/cpu/attention.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace llmforge::cpu {

static inline float dot(const float* a, const float* b, int n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

void attention_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                       const AttentionShape& s) {
  const int T = s.t, NH = s.n_head, NKV = s.n_kv_head, HD = s.head_dim;
  const int group = NH / NKV;
  const float scale = 1.0f / std::sqrt(float(HD));
#pragma omp parallel
  {
    std::vector<float> scores(T);
#pragma omp for collapse(2) schedule(static)
    for (int b = 0; b < s.b; ++b) {
      for (int h = 0; h < NH; ++h) {
        const int kvh = h / group;
        const float* kb = k + (size_t(b) * T * NKV + kvh) * HD;
        const float* vb = v + (size_t(b) * T * NKV + kvh) * HD;
        const size_t kv_stride = size_t(NKV) * HD;
        for (int t = 0; t < T; ++t) {
          const float* qt = q + ((size_t(b) * T + t) * NH + h) * HD;
          float* ot = out + ((size_t(b) * T + t) * NH + h) * HD;
          float m = -INFINITY;
          for (int j = 0; j <= t; ++j) {
            float sc = scale * dot(qt, kb + j * kv_stride, HD);
            scores[j] = sc;
            m = sc > m ? sc : m;
          }
          float sum = 0.0f;
          for (int j = 0; j <= t; ++j) {
            scores[j] = std::exp(scores[j] - m);
            sum += scores[j];
          }
          float inv = 1.0f / sum;
          std::memset(ot, 0, sizeof(float) * HD);
          for (int j = 0; j <= t; ++j) {
            const float p = scores[j] * inv;
            const float* vj = vb + j * kv_stride;
#pragma omp simd
            for (int d = 0; d < HD; ++d) ot[d] += p * vj[d];
          }
          lse[(size_t(b) * NH + h) * T + t] = m + std::log(sum);
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
  const float scale = 1.0f / std::sqrt(float(HD));
  const size_t kv_stride = size_t(NKV) * HD;
  // One task per (batch, kv head): it owns dk and dv of that head, which every query
  // head of its group adds into, so no two threads write the same memory.
#pragma omp parallel
  {
    std::vector<float> probs(T);
#pragma omp for collapse(2) schedule(static)
    for (int b = 0; b < s.b; ++b) {
      for (int kvh = 0; kvh < NKV; ++kvh) {
        const float* kb = k + (size_t(b) * T * NKV + kvh) * HD;
        const float* vb = v + (size_t(b) * T * NKV + kvh) * HD;
        float* dkb = dk + (size_t(b) * T * NKV + kvh) * HD;
        float* dvb = dv + (size_t(b) * T * NKV + kvh) * HD;
        for (int t = 0; t < T; ++t) {
          std::memset(dkb + t * kv_stride, 0, sizeof(float) * HD);
          std::memset(dvb + t * kv_stride, 0, sizeof(float) * HD);
        }
        for (int h = kvh * group; h < (kvh + 1) * group; ++h) {
          for (int t = 0; t < T; ++t) {
            const size_t row = (size_t(b) * T + t) * NH + h;
            const float* qt = q + row * HD;
            const float* dot_ = dout + row * HD;
            float* dqt = dq + row * HD;
            const float l = lse[(size_t(b) * NH + h) * T + t];
            const float big_d = dot(dot_, out + row * HD, HD);
            std::memset(dqt, 0, sizeof(float) * HD);
            for (int j = 0; j <= t; ++j) {
              const float* kj = kb + j * kv_stride;
              const float* vj = vb + j * kv_stride;
              const float p = std::exp(scale * dot(qt, kj, HD) - l);
              const float ds = p * (dot(dot_, vj, HD) - big_d) * scale;
              float* dkj = dkb + j * kv_stride;
              float* dvj = dvb + j * kv_stride;
#pragma omp simd
              for (int d = 0; d < HD; ++d) {
                dqt[d] += ds * kj[d];
                dkj[d] += ds * qt[d];
                dvj[d] += p * dot_[d];
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace llmforge::cpu
