// Rollouts: G samples per prompt, prompt-major; each recorded log-prob equals the
// training forward's log softmax(logits / T) of that token; the same seed gives the
// same samples; and the GRPO loss of a micro-batch through Model::backward (chunked,
// the stage's path) gives the gradients of the pure loss on the full logits.
#include <gtest/gtest.h>

#include <cmath>

#include "../infer/tiny_model.h"
#include "../test_util.h"
#include "rl/grpo_batch.h"
#include "rl/rollout.h"

namespace llmforge {
namespace {

Model& tiny() {
  static Model m = [] {
    Model x(testing::tiny_config(97));
    x.init_random(3, 0.1f);
    return x;
  }();
  return m;
}

RolloutBatch sample(uint64_t seed, double temperature = 0.9) {
  RolloutConfig rc;
  rc.samples_per_prompt = 3;
  rc.sampling.temperature = temperature;
  rc.max_new_tokens = 12;
  rc.stop_tokens = {5};
  rc.max_batch = 4;  // fewer slots than sequences: finished ones make room
  return generate_rollouts(tiny(), {{1, 2, 3}, {4, 5, 6, 7, 8}, {9}}, rc, seed);
}

TEST(Rollout, LogprobsMatchTheTrainingForward) {
  const RolloutBatch b = sample(11);
  ASSERT_EQ(b.completions.size(), 9u);
  const std::vector<std::vector<int32_t>> prompts{{1, 2, 3}, {4, 5, 6, 7, 8}, {9}};
  Model& m = tiny();
  const int V = m.config().vocab_size;
  double worst = 0;
  long tokens = 0;
  for (size_t i = 0; i < b.completions.size(); ++i) {
    const Completion& c = b.completions[i];
    EXPECT_EQ(c.prompt, int(i / 3));
    EXPECT_EQ(c.sample, int(i % 3));
    ASSERT_EQ(c.tokens.size(), c.logprobs.size());
    ASSERT_FALSE(c.tokens.empty());
    if (c.truncated()) EXPECT_EQ(c.tokens.size(), 12u);
    else EXPECT_EQ(c.tokens.back(), 5);
    std::vector<int32_t> seq = prompts[size_t(c.prompt)];
    seq.insert(seq.end(), c.tokens.begin(), c.tokens.end());
    m.forward(seq.data(), 1, int(seq.size()) - 1);
    std::vector<float> logits((seq.size() - 1) * size_t(V)), logp(seq.size() - 1);
    m.logits(0, int(seq.size()) - 1, logits.data());
    std::vector<int32_t> targets(seq.begin() + 1, seq.end());
    token_logprobs(logits.data(), targets.data(), int(targets.size()), V, 0.9, logp.data());
    const size_t p = prompts[size_t(c.prompt)].size();
    for (size_t k = 0; k < c.tokens.size(); ++k) {
      worst = std::max(worst, double(std::fabs(logp[p - 1 + k] - c.logprobs[k])));
      ++tokens;
    }
  }
  std::printf("%ld tokens: worst |recorded - training forward| log-prob %.2e\n", tokens, worst);
  EXPECT_LE(worst, 1e-4);
  EXPECT_EQ(b.completion_tokens, tokens);
}

TEST(Rollout, SameSeedSameSamples) {
  const RolloutBatch a = sample(5), b = sample(5), c = sample(6);
  bool all_same = true, any_diff = false;
  for (size_t i = 0; i < a.completions.size(); ++i) {
    all_same &= a.completions[i].tokens == b.completions[i].tokens;
    any_diff |= a.completions[i].tokens != c.completions[i].tokens;
  }
  EXPECT_TRUE(all_same);
  EXPECT_TRUE(any_diff);
}

// The stage's chunked loss against the pure functions on the whole batch's logits.
void check_micro_batch(const GrpoLossConfig& cfg) {
  Model& m = tiny();
  const int V = m.config().vocab_size;
  const RolloutBatch rb = sample(21, cfg.temperature);
  const std::vector<std::vector<int32_t>> prompts{{1, 2, 3}, {4, 5, 6, 7, 8}, {9}};
  // Old log-probs moved away from the policy so that ratios clip.
  std::vector<Completion> comps = rb.completions;
  Rng rng(4);
  for (Completion& c : comps)
    for (float& lp : c.logprobs) lp += float(rng.normal() * 0.3);
  std::vector<GrpoRow> rows;
  for (size_t i = 0; i < comps.size(); ++i)
    rows.push_back({&prompts[size_t(comps[i].prompt)], &comps[i], float(int(i % 3) - 1) * 0.7f});
  std::vector<MicroBatch> mbs = build_grpo_micro_batches(cfg, rows, 3, 4);  // 4 + 4 + 1 rows
  Rng rr(9);
  for (MicroBatch& b : mbs) {  // reference log-probs for the KL term
    const size_t nb = size_t(b.rows) * size_t(b.t);
    for (size_t k = 0; k < nb; ++k)
      if (b.targets[k] >= 0) b.aux[size_t(kAuxRefLogp) * nb + k] = b.aux[size_t(kAuxOldLogp) * nb + k] + float(rr.normal() * 0.2);
  }
  std::vector<float> grads_a(m.n_param_floats()), grads_b(m.n_param_floats());
  double loss_a = 0, loss_b = 0;
  m.zero_grad();
  for (const MicroBatch& b : mbs) {
    m.forward(b.inputs.data(), b.rows, b.t);
    loss_a += grpo_micro_batch_backward(m, b, cfg, nullptr);
  }
  std::copy(m.grads(), m.grads() + m.n_param_floats(), grads_a.begin());
  m.zero_grad();
  for (const MicroBatch& b : mbs) {
    const int n = b.rows * b.t;
    const size_t nb = size_t(n);
    m.forward(b.inputs.data(), b.rows, b.t);
    std::vector<float> logits(nb * size_t(V)), logp(nb), dlogp(nb, 0.0f);
    m.logits(0, n, logits.data());
    token_logprobs(logits.data(), b.targets.data(), n, V, cfg.temperature, logp.data());
    std::vector<double> coef;
    const std::vector<GrpoSequence> seqs = micro_batch_sequences(b, &coef);
    loss_b += grpo_policy_loss(cfg, seqs, coef, logp.data(), b.aux.data() + size_t(kAuxOldLogp) * nb,
                               b.aux.data() + size_t(kAuxRefLogp) * nb, dlogp.data(), nullptr);
    grpo_logits_backward(logits.data(), b.targets.data(), dlogp.data(), n, V, cfg.temperature, nullptr);
    m.backward([&](int r0, int rn, float* out) { std::copy_n(logits.data() + size_t(r0) * V, size_t(rn) * V, out); },
               nullptr);
  }
  std::copy(m.grads(), m.grads() + m.n_param_floats(), grads_b.begin());
  EXPECT_NEAR(loss_a, loss_b, 1e-6 * std::max(1.0, std::fabs(loss_b)));
  const double err = testing::normalized_error(grads_a.data(), grads_b.data(), grads_a.size());
  std::printf("%s ratios: loss %.6f, gradient error %.2e\n", importance_level_name(cfg.importance), loss_a, err);
  EXPECT_LE(err, 1e-5);
  double norm = 0;
  for (float g : grads_b) norm += double(g) * g;
  EXPECT_GT(norm, 0.0);
}

TEST(Rollout, MicroBatchLossThroughTheModelMatchesThePureLoss) {
  GrpoLossConfig cfg;
  cfg.beta = 0.05;
  cfg.temperature = 0.8;
  check_micro_batch(cfg);
  cfg.importance = ImportanceLevel::kSequence;
  cfg.loss_type = GrpoLossType::kGrpo;
  check_micro_batch(cfg);
}

}  // namespace
}  // namespace llmforge
