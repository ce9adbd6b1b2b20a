// Greedy generation by full recomputation: every new token reruns the whole prefix
// through Model::forward. Quadratic, but simple and exact: the reference the
// KV-cache engine must reproduce token for token. Test code only; everything that
// generates in llmforge itself goes through the engine.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "model/model.h"

namespace llmforge::testing {

// The new tokens (at most `n`; the stop token included when it ends the run). The
// prompt plus output is cut on the left to the model's context when it grows past it.
inline std::vector<int32_t> reference_greedy(Model& model, const std::vector<int32_t>& prompt,
                                             int n, int32_t stop_token = -1) {
  const int V = model.config().vocab_size, ctx = model.config().max_seq_len;
  std::vector<int32_t> seq = prompt, out;
  std::vector<float> logits(V);
  for (int i = 0; i < n; ++i) {
    const int start = std::max(0, int(seq.size()) - ctx);
    const int t = int(seq.size()) - start;
    model.forward(seq.data() + start, 1, t);
    model.logits(t - 1, 1, logits.data());
    const int32_t next = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(next);
    seq.push_back(next);
    if (next == stop_token) break;
  }
  return out;
}

}  // namespace llmforge::testing
