// Optimizer, schedule and reproducibility behaviour that training stages rely on.
#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>

#include "../test_util.h"
#include "core/error.h"
#include "train/adamw.h"
#include "train/losses.h"
#include "train/lr_schedule.h"

namespace llmforge {
namespace {

std::vector<double> run_training(uint64_t seed, Precision precision) {
  ModelConfig c;
  c.vocab_size = 64, c.dim = 32, c.ffn_dim = 48, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2;
  c.max_seq_len = 16;
  Model m(c, precision);
  m.init_random(seed);
  AdamW opt(m, AdamWConfig{});
  LrSchedule lr{LrSchedule::Kind::kCosine, 3e-3, 3e-4, 2, 8, 0.2};
  std::vector<double> losses;
  for (int s = 0; s < 8; ++s) {
    Rng rng(seed * 100 + s);
    std::vector<int32_t> tok(32), tgt(32);
    for (int i = 0; i < 32; ++i) tok[i] = int32_t(rng.below(64)), tgt[i] = int32_t(rng.below(64));
    m.zero_grad();
    m.forward(tok.data(), 2, 16);
    losses.push_back(cross_entropy_backward(m, tgt.data(), nullptr, 1.0 / 32) / 32);
    opt.step(m, lr.at(s));
  }
  return losses;
}

TEST(Training, SameSeedGivesBitwiseIdenticalLosses) {
  // Two threads, whatever the environment says: reductions split across threads are
  // the part that could break reproducibility.
  const int saved = omp_get_max_threads();
  omp_set_num_threads(2);
  for (Precision p : {Precision::kFp32, Precision::kBf16}) {
    auto a = run_training(42, p), b = run_training(42, p);
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "step " << i;
    auto c = run_training(43, p);
    EXPECT_NE(a[0], c[0]) << "a different seed should give a different run";
  }
  omp_set_num_threads(saved);
}

TEST(Training, LossDecreasesOnALearnablePattern) {
  // Next token = (token + 1) mod V: a model must learn it quickly.
  ModelConfig c;
  c.vocab_size = 16, c.dim = 32, c.ffn_dim = 64, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 2;
  c.max_seq_len = 16;
  Model m(c);
  m.init_random(1);
  AdamW opt(m, AdamWConfig{});
  std::vector<int32_t> tok(64), tgt(64);
  for (int i = 0; i < 64; ++i) tok[i] = (i * 7) % 16, tgt[i] = (tok[i] + 1) % 16;
  double first = 0, last = 0;
  for (int s = 0; s < 60; ++s) {
    m.zero_grad();
    m.forward(tok.data(), 4, 16);
    double loss = cross_entropy_backward(m, tgt.data(), nullptr, 1.0 / 64) / 64;
    if (s == 0) first = loss;
    last = loss;
    opt.step(m, 1e-2);
  }
  EXPECT_GT(first, 2.0);
  EXPECT_LT(last, 0.1) << "loss went from " << first << " to " << last;
}

TEST(Training, GradientClippingBoundsTheNorm) {
  ModelConfig c;
  c.vocab_size = 16, c.dim = 16, c.ffn_dim = 16, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 1;
  c.max_seq_len = 4;
  Model m(c);
  for (size_t i = 0; i < m.n_param_floats(); ++i) m.grads()[i] = 1.0f;
  AdamWConfig cfg;
  cfg.grad_clip = 0.5;
  AdamW opt(m, cfg);
  double before = opt.step(m, 0.0);
  EXPECT_NEAR(before, std::sqrt(double(c.num_parameters())), 1e-3);
  EXPECT_NEAR(grad_norm(m), 0.5, 1e-4);
}

TEST(Training, WeightDecaySkipsNormsAndEmbeddings) {
  ModelConfig c;
  c.vocab_size = 16, c.dim = 16, c.ffn_dim = 16, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 1;
  c.max_seq_len = 4;
  Model m(c);
  m.init_random(2);
  std::vector<float> before(m.params(), m.params() + m.n_param_floats());
  AdamWConfig cfg;
  cfg.weight_decay = 0.5;
  AdamW opt(m, cfg);
  m.zero_grad();  // zero gradients: only weight decay moves parameters
  opt.step(m, 0.1);
  for (const ParamInfo& p : m.layout().params()) {
    float ratio = m.params()[p.offset] / before[p.offset];
    if (p.decay) EXPECT_NEAR(ratio, 0.95f, 1e-6) << p.name;
    else EXPECT_EQ(ratio, 1.0f) << p.name;
  }
}

TEST(Training, LrSchedules) {
  LrSchedule cos{LrSchedule::Kind::kCosine, 1.0, 0.1, 10, 110, 0.2};
  EXPECT_DOUBLE_EQ(cos.at(0), 0.1);   // warmup: (step + 1) / warmup
  EXPECT_DOUBLE_EQ(cos.at(9), 1.0);
  EXPECT_NEAR(cos.at(60), 0.55, 1e-12);  // halfway through the cosine
  EXPECT_NEAR(cos.at(110), 0.1, 1e-12);
  LrSchedule wsd{LrSchedule::Kind::kWsd, 1.0, 0.0, 0, 100, 0.2};
  EXPECT_DOUBLE_EQ(wsd.at(50), 1.0);
  EXPECT_DOUBLE_EQ(wsd.at(80), 1.0);
  EXPECT_NEAR(wsd.at(90), 0.5, 1e-12);
  EXPECT_NEAR(wsd.at(100), 0.0, 1e-12);
  EXPECT_THROW(parse_lr_schedule("linear-ish"), Error);
}

TEST(Training, BadTokensAreRejectedWithPosition) {
  ModelConfig c;
  c.vocab_size = 16, c.dim = 16, c.ffn_dim = 16, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 1;
  c.max_seq_len = 4;
  Model m(c);
  std::vector<int32_t> tok{1, 2, 16, 3};
  try {
    m.forward(tok.data(), 1, 4);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("token id 16 at position 2"), std::string::npos) << e.what();
  }
  std::vector<int32_t> longer(5, 1);
  EXPECT_THROW(m.forward(longer.data(), 1, 5), Error);
}

}  // namespace
}  // namespace llmforge
