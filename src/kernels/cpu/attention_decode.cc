#include "kernels/cpu/attention_decode.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace llmforge::cpu {

void attention_decode(float* out, const float* q, const float* k_cache, const float* v_cache,
                      const int* slot, const int* pos, int n_rows, const DecodeAttentionShape& s) {
  const int NH = s.n_head, HD = s.head_dim, group = s.n_head / s.n_kv_head;
  const size_t KVD = size_t(s.n_kv_head) * HD, QD = size_t(NH) * HD;
  const float scale = 1.0f / std::sqrt(float(HD));
  // One (row, head) pair per iteration: decode batches have few rows, so heads
  // supply the parallelism. Tiny problems stay on one thread: waking the team costs
  // more than the work, and far more on a loaded machine.
  long work = 0;
  for (int r = 0; r < n_rows; ++r) work += long(pos[r] + 1) * NH * HD;
#pragma omp parallel if (work > 32768)
  {
    std::vector<float> scores;
#pragma omp for schedule(dynamic, 1)
    for (long i = 0; i < long(n_rows) * NH; ++i) {
      const int r = int(i / NH), h = int(i % NH), kvh = h / group;
      const int n_keys = pos[r] + 1;
      const float* qr = q + size_t(r) * QD + size_t(h) * HD;
      const float* kb = k_cache + size_t(slot[r]) * s.max_len * KVD + size_t(kvh) * HD;
      const float* vb = v_cache + size_t(slot[r]) * s.max_len * KVD + size_t(kvh) * HD;
      scores.resize(n_keys);
      float mx = -INFINITY;
      for (int j = 0; j < n_keys; ++j) {
        const float* kj = kb + size_t(j) * KVD;
        float d = 0.0f;
        // Reassociated into SIMD lanes (the compiler may not do it unasked): a decode
        // step spends ~5% of its time here at 128 positions.
#pragma omp simd reduction(+ : d)
        for (int e = 0; e < HD; ++e) d += qr[e] * kj[e];
        scores[j] = d * scale;
        mx = std::max(mx, scores[j]);
      }
      float sum = 0.0f;
      for (int j = 0; j < n_keys; ++j) sum += scores[j] = std::exp(scores[j] - mx);
      const float inv = 1.0f / sum;
      float* o = out + size_t(r) * QD + size_t(h) * HD;
      std::fill(o, o + HD, 0.0f);
      for (int j = 0; j < n_keys; ++j) {
        const float p = scores[j] * inv;
        const float* vj = vb + size_t(j) * KVD;
#pragma omp simd
        for (int e = 0; e < HD; ++e) o[e] += p * vj[e];
      }
    }
  }
}

}  // namespace llmforge::cpu
