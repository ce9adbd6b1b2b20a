#include "infer/reference_generate.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace llmforge {

int32_t sample_token(const float* logits, int vocab, const SampleSettings& s, Rng& rng) {
  if (s.temperature <= 0.0) return int32_t(std::max_element(logits, logits + vocab) - logits);
  std::vector<int32_t> ids(vocab);
  std::iota(ids.begin(), ids.end(), 0);
  int keep = vocab;
  if (s.top_k > 0 && s.top_k < vocab) {
    keep = s.top_k;
    // Ties broken by id so that results do not depend on the sort's internals.
    std::partial_sort(ids.begin(), ids.begin() + keep, ids.end(), [&](int32_t a, int32_t b) {
      return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
    });
  }
  double max_logit = -INFINITY;
  for (int i = 0; i < keep; ++i) max_logit = std::max(max_logit, double(logits[ids[i]]));
  std::vector<double> p(keep);
  double sum = 0.0;
  for (int i = 0; i < keep; ++i) sum += p[i] = std::exp((logits[ids[i]] - max_logit) / s.temperature);
  double u = rng.uniform() * sum;
  for (int i = 0; i < keep; ++i) {
    u -= p[i];
    if (u <= 0.0) return ids[i];
  }
  return ids[keep - 1];
}

std::vector<int32_t> reference_generate(Model& model, const std::vector<int32_t>& prompt,
                                        const SampleSettings& settings, Rng& rng) {
  if (prompt.empty()) ErrorBuilder("generate") << "empty prompt";
  const int V = model.config().vocab_size, ctx = model.config().max_seq_len;
  std::vector<int32_t> seq = prompt, out;
  std::vector<float> logits(V);
  for (int i = 0; i < settings.max_new_tokens; ++i) {
    const int start = std::max(0, int(seq.size()) - ctx);
    const int t = int(seq.size()) - start;
    model.forward(seq.data() + start, 1, t);
    model.logits(t - 1, 1, logits.data());
    int32_t next = sample_token(logits.data(), V, settings, rng);
    out.push_back(next);
    seq.push_back(next);
    if (next == settings.stop_token) break;
  }
  return out;
}

}  // namespace llmforge
