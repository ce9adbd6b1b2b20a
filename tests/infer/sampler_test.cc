// The sampler chain: each stage does what llama.cpp's does, and a seed fixes the draw.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/error.h"
#include "infer/sampler.h"

namespace llmforge {
namespace {

const std::vector<float> kLogits = {1.0f, 3.0f, 2.0f, 0.5f, 2.9f, -1.0f};

std::map<int32_t, int> histogram(SamplerSettings s, int draws) {
  SamplerChain c = make_sampler_chain(s);
  std::map<int32_t, int> h;
  for (int i = 0; i < draws; ++i) ++h[c.sample(kLogits.data(), int(kLogits.size()))];
  return h;
}

TEST(Sampler, GreedyPicksTheLargestLogit) {
  SamplerSettings s;
  s.temperature = 0.0;
  EXPECT_EQ(histogram(s, 5), (std::map<int32_t, int>{{1, 5}}));
}

TEST(Sampler, TopKKeepsOnlyTheKBest) {
  SamplerSettings s;
  s.temperature = 5.0;
  s.top_k = 2;
  auto h = histogram(s, 400);
  EXPECT_EQ(h.size(), 2u);
  EXPECT_GT(h[1], 0);
  EXPECT_GT(h[4], 0);
}

TEST(Sampler, TopPKeepsTheSmallestSetAboveP) {
  // softmax: id1 .367, id4 .332, id2 .135, id0 .050, ... : 0.6 needs ids 1 and 4.
  SamplerSettings s;
  s.temperature = 1.0;
  s.top_p = 0.6;
  auto h = histogram(s, 400);
  EXPECT_EQ(h.size(), 2u);
  EXPECT_TRUE(h.count(1) && h.count(4));
}

TEST(Sampler, MinPDropsTokensBelowAFractionOfTheBest) {
  SamplerSettings s;
  s.temperature = 1.0;
  s.min_p = 0.3;  // keeps p >= 0.3 p(id1): ids 1, 4 and 2 (e^-1 = .37)
  auto h = histogram(s, 600);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_TRUE(h.count(1) && h.count(4) && h.count(2));
}

TEST(Sampler, TemperatureSharpensAndFlattens) {
  SamplerSettings cold, hot;
  cold.temperature = 0.01;
  hot.temperature = 50.0;
  auto hc = histogram(cold, 300), hh = histogram(hot, 3000);
  EXPECT_GT(hc[1], 290);
  EXPECT_EQ(hh.size(), kLogits.size());
  EXPECT_GT(hh[5], 300);  // the worst token gets close to 1/6
}

TEST(Sampler, LogitBiasForcesOrBansATokens) {
  SamplerSettings s;
  s.temperature = 0.0;
  s.logit_bias = {{5, 10.0f}};
  EXPECT_EQ(histogram(s, 3), (std::map<int32_t, int>{{5, 3}}));
  s.temperature = 1.0;
  s.logit_bias = {{1, -100.0f}, {4, -100.0f}};
  auto h = histogram(s, 300);
  EXPECT_FALSE(h.count(1) || h.count(4));
}

TEST(Sampler, PenaltiesDemoteRecentTokens) {
  for (int which = 0; which < 3; ++which) {
    SamplerSettings s;
    s.temperature = 0.0;
    if (which == 0) s.repetition_penalty = 2.0;  // 3/2 = 1.5 < 2.9
    if (which == 1) s.presence_penalty = 0.5;    // 3 - .5 = 2.5 < 2.9
    if (which == 2) s.frequency_penalty = 0.1;   // 3 - .1 x 2 = 2.8 < 2.9
    SamplerChain c = make_sampler_chain(s);
    EXPECT_EQ(c.sample(kLogits.data(), 6), 1);
    c.accept(1);
    if (which == 2) {
      EXPECT_EQ(c.sample(kLogits.data(), 6), 1);  // 3 - .1 = 2.9 ties id 4: lower id wins
      c.accept(1);
    }
    EXPECT_EQ(c.sample(kLogits.data(), 6), 4) << "penalty " << which;
  }
}

TEST(Sampler, SameSeedSameDrawsDifferentSeedDifferent) {
  std::vector<float> logits(200);
  for (int i = 0; i < 200; ++i) logits[i] = float((i * 37) % 11) * 0.3f;
  auto draws = [&](uint64_t seed) {
    SamplerSettings s;
    s.temperature = 1.0;
    s.top_k = 50;
    s.top_p = 0.95;
    s.seed = seed;
    SamplerChain c = make_sampler_chain(s);
    std::vector<int32_t> out;
    for (int i = 0; i < 64; ++i) {
      out.push_back(c.sample(logits.data(), 200));
      c.accept(out.back());
    }
    return out;
  };
  EXPECT_EQ(draws(42), draws(42));
  EXPECT_NE(draws(42), draws(43));
}

TEST(Sampler, ChainOrderIsLlamaCpps) {
  SamplerSettings s;
  s.temperature = 0.7;
  s.top_k = 40;
  s.top_p = 0.9;
  s.min_p = 0.05;
  s.repetition_penalty = 1.1;
  s.logit_bias = {{0, 1.0f}};
  EXPECT_EQ(make_sampler_chain(s).describe(),
            "logit-bias -> penalties -> top-k -> top-p -> min-p -> temperature -> draw");
}

TEST(Sampler, RejectsSettingsOutOfRange) {
  SamplerSettings s;
  s.temperature = -1.0;
  EXPECT_THROW(make_sampler_chain(s), Error);
  s = {};
  s.top_p = 1.5;
  try {
    make_sampler_chain(s);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("top_p"), std::string::npos);
  }
}

}  // namespace
}  // namespace llmforge
