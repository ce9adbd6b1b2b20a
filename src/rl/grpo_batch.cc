#include "rl/grpo_batch.h"

#include <algorithm>

#include "core/error.h"

namespace llmforge {

std::vector<MicroBatch> build_grpo_micro_batches(const GrpoLossConfig& cfg, const std::vector<GrpoRow>& rows,
                                                 int n_micro, int rows_per_micro) {
  if (int(rows.size()) > n_micro * rows_per_micro)
    ErrorBuilder("rl") << rows.size() << " rows do not fit " << n_micro << " micro-batches of " << rows_per_micro;
  std::vector<MicroBatch> out(static_cast<size_t>(n_micro));
  std::vector<GrpoSequence> seqs;
  for (int m = 0; m < n_micro; ++m) {
    MicroBatch& b = out[size_t(m)];
    const size_t first = size_t(m) * size_t(rows_per_micro);
    const size_t last = std::min(rows.size(), first + size_t(rows_per_micro));
    if (first >= last) {  // nothing left for this micro-batch: one row without targets
      b.rows = 1, b.t = 1;
      b.inputs = {0};
      b.targets = {-1};
      b.aux.assign(kAuxPlanes, 0.0f);
      b.real_tokens = 0;
      continue;
    }
    int t = 1;
    for (size_t r = first; r < last; ++r)
      t = std::max(t, int(rows[r].prompt->size() + rows[r].completion->tokens.size()) - 1);
    b.rows = int(last - first), b.t = t;
    const size_t n = size_t(b.rows) * size_t(t);
    b.inputs.assign(n, 0);
    b.targets.assign(n, -1);
    b.aux.assign(n * kAuxPlanes, 0.0f);
    b.real_tokens = 0;
    for (size_t r = first; r < last; ++r) {
      const GrpoRow& row = rows[r];
      const std::vector<int32_t>& p = *row.prompt;
      const Completion& c = *row.completion;
      const size_t base = (r - first) * size_t(t);
      const int len = int(p.size() + c.tokens.size());
      auto token = [&](int k) { return k < int(p.size()) ? p[size_t(k)] : c.tokens[size_t(k) - p.size()]; };
      for (int k = 0; k + 1 < len; ++k) {
        b.inputs[base + size_t(k)] = token(k);
        if (k + 1 >= int(p.size())) {
          b.targets[base + size_t(k)] = token(k + 1);
          b.aux[size_t(kAuxOldLogp) * n + base + size_t(k)] = c.logprobs[size_t(k + 1) - p.size()];
          b.aux[size_t(kAuxAdvantage) * n + base + size_t(k)] = row.advantage;
        }
      }
      b.real_tokens += len - 1;
      GrpoSequence s;
      s.start = long(base + p.size() - 1);
      s.length = int(c.tokens.size());
      s.micro_batch = m;
      s.advantage = row.advantage;
      seqs.push_back(s);
    }
  }
  // Coefficients over the whole step, written to each sequence's positions.
  const std::vector<double> coef = grpo_sequence_coefficients(cfg, seqs, n_micro);
  for (size_t i = 0; i < seqs.size(); ++i) {
    MicroBatch& b = out[size_t(seqs[i].micro_batch)];
    const size_t n = size_t(b.rows) * size_t(b.t);
    for (int k = 0; k < seqs[i].length; ++k) b.aux[size_t(kAuxCoef) * n + size_t(seqs[i].start + k)] = float(coef[i]);
  }
  return out;
}

std::vector<GrpoSequence> micro_batch_sequences(const MicroBatch& b, std::vector<double>* coef) {
  std::vector<GrpoSequence> seqs;
  if (coef) coef->clear();
  const size_t n = size_t(b.rows) * size_t(b.t);
  for (int r = 0; r < b.rows; ++r) {
    const size_t base = size_t(r) * size_t(b.t);
    for (int k = 0; k < b.t; ++k) {
      if (b.targets[base + size_t(k)] < 0) continue;
      GrpoSequence s;
      s.start = long(base + size_t(k));
      while (k < b.t && b.targets[base + size_t(k)] >= 0) ++k, ++s.length;
      s.advantage = b.aux[size_t(kAuxAdvantage) * n + size_t(s.start)];
      if (coef) coef->push_back(b.aux[size_t(kAuxCoef) * n + size_t(s.start)]);
      seqs.push_back(s);
    }
  }
  return seqs;
}

double grpo_micro_batch_backward(Model& m, const MicroBatch& b, const GrpoLossConfig& cfg, GrpoStats* stats) {
  const int V = m.config().vocab_size;
  const size_t nb = size_t(b.rows) * size_t(b.t);
  LLMF_CHECK(b.aux.size() == nb * kAuxPlanes) << "GRPO micro-batch without its aux planes";
  const float* old = b.aux.data() + size_t(kAuxOldLogp) * nb;
  const float* ref = b.aux.data() + size_t(kAuxRefLogp) * nb;
  const float* adv = b.aux.data() + size_t(kAuxAdvantage) * nb;
  const float* coef = b.aux.data() + size_t(kAuxCoef) * nb;
  const int32_t* targets = b.targets.data();
  double loss = 0;
  if (cfg.importance == ImportanceLevel::kToken) {
    std::vector<float> logp(size_t(m.logits_chunk_rows())), dlogp(logp.size());
    m.backward(
        [&](int r0, int n, float* logits) {
          token_logprobs(logits, targets + r0, n, V, cfg.temperature, logp.data());
          for (int i = 0; i < n; ++i) {
            const size_t k = size_t(r0 + i);
            dlogp[size_t(i)] = 0;
            if (targets[k] < 0) continue;
            double g = 0;
            loss += coef[k] * grpo_token_term(cfg, logp[size_t(i)], old[k], ref[k], adv[k], &g, stats);
            dlogp[size_t(i)] = float(coef[k] * g);
          }
          grpo_logits_backward(logits, targets + r0, dlogp.data(), n, V, cfg.temperature, stats);
        },
        nullptr);
    return loss;
  }
  // Sequence-level ratios need a whole sequence's log-probs before any gradient.
  std::vector<float> logp(nb, 0.0f), dlogp(nb, 0.0f);
  m.for_each_logits_chunk([&](int r0, int n, const float* logits) {
    token_logprobs(logits, targets + r0, n, V, cfg.temperature, logp.data() + r0);
  });
  std::vector<double> c;
  const std::vector<GrpoSequence> seqs = micro_batch_sequences(b, &c);
  loss = grpo_policy_loss(cfg, seqs, c, logp.data(), old, cfg.beta > 0 ? ref : nullptr, dlogp.data(), stats);
  m.backward(
      [&](int r0, int n, float* logits) {
        grpo_logits_backward(logits, targets + r0, dlogp.data() + r0, n, V, cfg.temperature, stats);
      },
      nullptr);
  return loss;
}

}  // namespace llmforge
