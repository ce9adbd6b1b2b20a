// A tiny model fitted to a handful of token rows by full-batch AdamW, for tests that
// need a model which reliably produces known text (eval and ICL scoring tests).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "infer/tiny_model.h"
#include "model/model.h"
#include "train/adamw.h"
#include "train/losses.h"

namespace llmforge::testing {

// `steps` full-batch steps at 3e-3 on `rows`; mask[r][i] weights the loss on
// predicting rows[r][i] (empty mask: every token counts).
inline std::unique_ptr<Model> fit_tiny_model(int vocab, int max_seq_len, const std::vector<std::vector<int32_t>>& rows,
                                             const std::vector<std::vector<float>>& mask, uint64_t seed,
                                             int steps) {
  ModelConfig c = tiny_config(vocab);
  c.max_seq_len = max_seq_len;
  auto m = std::make_unique<Model>(c);
  m->init_random(seed);
  int t = 0;
  for (const auto& row : rows) t = std::max(t, int(row.size()) - 1);
  const int b = int(rows.size());
  std::vector<int32_t> in(size_t(b) * t, 0), tg(size_t(b) * t, 0);
  std::vector<float> w(size_t(b) * t, 0.0f);
  double weight = 0;
  for (int r = 0; r < b; ++r) {
    for (size_t i = 0; i + 1 < rows[r].size(); ++i) {
      in[r * t + i] = rows[r][i];
      tg[r * t + i] = rows[r][i + 1];
      w[r * t + i] = mask.empty() ? 1.0f : mask[r][i + 1];
      weight += w[r * t + i];
    }
  }
  AdamW opt(*m, AdamWConfig{});
  for (int step = 0; step < steps; ++step) {
    m->zero_grad();
    m->forward(in.data(), b, t);
    cross_entropy_backward(*m, tg.data(), w.data(), 1.0 / weight);
    opt.step(*m, 3e-3);
  }
  return m;
}

}  // namespace llmforge::testing
