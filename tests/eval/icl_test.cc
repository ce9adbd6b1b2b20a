// The in-context-learning evaluation: prompts, scoring and determinism, on a small
// byte-level model trained here on the copy task's format.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/rng.h"
#include "eval/icl.h"
#include "train/adamw.h"
#include "train/losses.h"

namespace llmforge {
namespace {

TEST(Icl, ExamplesFollowTheirTask) {
  auto [x, y] = icl_example("copy", 3);
  EXPECT_EQ(x, y);
  auto [a, b] = icl_example("swap", 4);
  EXPECT_EQ(b.substr(b.find(' ') + 1), a.substr(0, a.find(' ')));
  auto [p, q] = icl_example("first", 5);
  EXPECT_EQ(p.substr(0, p.find(' ')), q);
  EXPECT_THROW(icl_example("translate", 0), Error);
}

TEST(Icl, TrainedCopyModelScoresAndIsDeterministic) {
  ModelConfig c;
  c.vocab_size = 257, c.dim = 64, c.ffn_dim = 128, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 4;
  c.max_seq_len = 96;
  Model m(c);
  m.init_random(1);
  AdamW opt(m, AdamWConfig{});
  // Training text: BOS, then lines "w -> w" of the copy task (other indices than the eval's).
  const int b = 8, t = 96;
  std::vector<int32_t> in(b * t), tg(b * t);
  uint64_t index = 1u << 30;
  for (int step = 0; step < 250; ++step) {
    for (int r = 0; r < b; ++r) {
      std::vector<int32_t> seq{256};
      while (int(seq.size()) < t + 1) {
        auto [x, y] = icl_example("copy", index++);
        for (unsigned char ch : x + " -> " + y + "\n") seq.push_back(ch);
      }
      for (int i = 0; i < t; ++i) in[r * t + i] = seq[i], tg[r * t + i] = seq[i + 1];
    }
    m.zero_grad();
    m.forward(in.data(), b, t);
    cross_entropy_backward(m, tg.data(), nullptr, 1.0 / (b * t));
    opt.step(m, 3e-3);
  }
  auto first = evaluate_icl(m, byte_level_codec(), "copy", {0, 4}, 12, 7);
  auto again = evaluate_icl(m, byte_level_codec(), "copy", {0, 4}, 12, 7);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1].examples, 4);
  EXPECT_EQ(first[1].trials, 12);
  EXPECT_EQ(first[0].correct, again[0].correct);
  EXPECT_EQ(first[1].correct, again[1].correct);
  std::printf("copy accuracy: 0 examples %.2f, 4 examples %.2f\n", first[0].accuracy(),
              first[1].accuracy());
  EXPECT_GE(first[1].accuracy(), 0.6) << "a model trained on the format should copy with examples";
  // A prompt longer than the context is an error, not a silent truncation.
  EXPECT_THROW(evaluate_icl(m, byte_level_codec(), "copy", {40}, 1, 1), Error);
}

}  // namespace
}  // namespace llmforge
