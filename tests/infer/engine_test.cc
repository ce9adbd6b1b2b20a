// The KV-cache engine against full recomputation (reference_generate.h): greedy
// decoding must give exactly the same tokens, alone and batched with other sequences.
#include <gtest/gtest.h>

#include <map>

#include "core/error.h"
#include "infer/batch_generator.h"
#include "infer/engine.h"
#include "reference_generate.h"
#include "test_util.h"
#include "tiny_model.h"

namespace llmforge {
namespace {

Model make_model(int vocab = 300, int kv_heads = 2) {
  ModelConfig c = testing::tiny_config(vocab);
  c.n_kv_heads = kv_heads;
  Model m(c);
  m.init_random(11, 0.2f);
  return m;
}

std::vector<int32_t> prompt_of(int n, int seed, int vocab) {
  Rng rng(seed);
  std::vector<int32_t> p(n);
  for (auto& t : p) t = int32_t(rng.below(vocab));
  return p;
}

std::vector<int32_t> reference(Model& m, const std::vector<int32_t>& prompt, int n) {
  return testing::reference_greedy(m, prompt, n);
}

TEST(InferEngine, PrefillLogitsMatchFullForward) {
  Model m = make_model();
  const int V = m.config().vocab_size;
  auto prompt = prompt_of(37, 1, V);
  m.forward(prompt.data(), 1, int(prompt.size()));
  std::vector<float> ref(V), ours(V);
  m.logits(int(prompt.size()) - 1, 1, ref.data());
  InferenceEngine e(m, 2);
  e.prefill(1, prompt.data(), int(prompt.size()), 0, ours.data());
  EXPECT_LT(testing::normalized_error(ours.data(), ref.data(), V), 1e-5);
}

TEST(InferEngine, GreedyMatchesFullRecomputationTokenForToken) {
  for (int kv_heads : {4, 2, 1}) {
    Model m = make_model(300, kv_heads);
    auto prompt = prompt_of(9, 2, 300);
    auto ref = reference(m, prompt, 32);
    BatchGenerator g(m, nullptr, 1);
    GenerationRequest r;
    r.prompt = prompt;
    r.sampling.temperature = 0.0;
    r.max_new_tokens = 32;
    g.add(r);
    std::vector<int32_t> ours;
    for (int i = 0; i < 100 && g.active() > 0; ++i)
      for (auto& u : g.step()) ours.insert(ours.end(), u.tokens.begin(), u.tokens.end());
    EXPECT_EQ(ours, ref) << "kv heads " << kv_heads;
  }
}

TEST(InferEngine, BatchedSequencesEachMatchTheirReference) {
  Model m = make_model();
  const int n = 5;
  std::vector<std::vector<int32_t>> prompts, refs(n), outs(n);
  for (int i = 0; i < n; ++i) prompts.push_back(prompt_of(3 + 7 * i, 10 + i, 300));
  for (int i = 0; i < n; ++i) refs[i] = reference(m, prompts[i], 20 + 3 * i);
  // Sequences join at different steps, so the batch mixes positions and a prefill
  // runs while others decode.
  BatchGenerator g(m, nullptr, 4);
  std::map<int, int> which;
  int next = 0;
  for (int step = 0; step < 500 && (next < n || g.active() > 0); ++step) {
    if (next < n && g.has_free_slot() && step % 3 == 0) {
      GenerationRequest r;
      r.prompt = prompts[next];
      r.sampling.temperature = 0.0;
      r.max_new_tokens = 20 + 3 * next;
      which[g.add(r)] = next++;
    }
    for (auto& u : g.step()) {
      auto& o = outs[which.at(u.id)];
      o.insert(o.end(), u.tokens.begin(), u.tokens.end());
    }
  }
  for (int i = 0; i < n; ++i) EXPECT_EQ(outs[i], refs[i]) << "sequence " << i;
}

TEST(InferEngine, StopsAtStopTokenAndContextEnd) {
  Model m = make_model();
  auto prompt = prompt_of(5, 3, 300);
  auto ref = reference(m, prompt, 10);
  BatchGenerator g(m, nullptr, 2, /*max_len=*/64);
  GenerationRequest r;
  r.prompt = prompt;
  r.sampling.temperature = 0.0;
  r.max_new_tokens = 10;
  r.stop_tokens = {ref[4]};
  g.add(r);
  std::vector<int32_t> out;
  FinishReason fin = FinishReason::kNone;
  for (int i = 0; i < 50 && g.active() > 0; ++i)
    for (auto& u : g.step()) {
      out.insert(out.end(), u.tokens.begin(), u.tokens.end());
      fin = u.finish;
    }
  // The first occurrence of the stop token ends it, and the token is kept.
  auto first = std::find(ref.begin(), ref.end(), ref[4]);
  EXPECT_EQ(out, std::vector<int32_t>(ref.begin(), first + 1));
  EXPECT_EQ(fin, FinishReason::kStop);

  // Prompt plus output never exceed the context.
  GenerationRequest r2;
  r2.prompt = prompt_of(60, 4, 300);
  r2.sampling.temperature = 0.0;
  r2.max_new_tokens = 100;
  g.add(r2);
  int n_out = 0;
  for (int i = 0; i < 50 && g.active() > 0; ++i)
    for (auto& u : g.step()) {
      n_out += int(u.tokens.size());
      fin = u.finish;
    }
  EXPECT_EQ(60 + n_out, 64);
  EXPECT_EQ(fin, FinishReason::kLength);
}

TEST(InferEngine, RejectsBadRequests) {
  Model m = make_model();
  BatchGenerator g(m, nullptr, 1, 32);
  GenerationRequest r;
  EXPECT_THROW(g.add(r), Error);  // empty prompt
  r.prompt = prompt_of(32, 1, 300);
  EXPECT_THROW(g.add(r), Error);  // fills the context
  r.prompt = {1, 2, 300};
  EXPECT_THROW(g.add(r), Error);  // outside the vocabulary
  r.prompt = {1, 2};
  r.sampling.top_p = 0.0;
  EXPECT_THROW(g.add(r), Error);
  r.sampling.top_p = 1.0;
  r.stop_strings = {"x"};
  EXPECT_THROW(g.add(r), Error);  // no tokenizer
  r.stop_strings.clear();
  g.add(r);
  EXPECT_THROW(g.add(r), Error);  // no free slot
}

}  // namespace
}  // namespace llmforge
