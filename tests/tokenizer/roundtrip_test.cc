// decode(encode(x)) == x for arbitrary bytes: a seeded fuzzer over random bytes,
// broken UTF-8, and splices of real text, for every encoding and a trained tokenizer.
#include <gtest/gtest.h>

#include "test_corpus.h"
#include "tokenizer/trainer.h"

namespace llmforge {
namespace {

std::string fuzz_input(uint64_t* state, const std::vector<std::string>& pool) {
  auto next = [&] {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  std::string s;
  size_t parts = 1 + next() % 8;
  for (size_t p = 0; p < parts; ++p) {
    switch (next() % 4) {
      case 0:  // random bytes
        for (size_t i = 0, n = next() % 64; i < n; ++i) s += static_cast<char>(next());
        break;
      case 1: {  // a slice of real text, possibly cut mid-character
        const std::string& d = pool[next() % pool.size()];
        size_t at = next() % d.size(), n = next() % 200;
        s += d.substr(at, n);
        break;
      }
      case 2:  // bytes likely to confuse UTF-8 handling
        for (size_t i = 0, n = next() % 16; i < n; ++i) s += "\xC0\xE0\xED\xF0\xF4\xF8\x80\xBF\xA0 \n'"[next() % 12];
        break;
      default:  // runs
        s += std::string(next() % 300, " \n0a'\xE4"[next() % 6]);
        break;
    }
  }
  return s;
}

void fuzz(const Tokenizer& t, int iterations, uint64_t seed) {
  static const auto* pool = new std::vector<std::string>(test::make_mixed_corpus(200'000, 3));
  uint64_t state = seed;
  for (int i = 0; i < iterations; ++i) {
    std::string s = fuzz_input(&state, *pool);
    std::vector<uint32_t> ids = t.encode_ordinary(s);
    ASSERT_EQ(t.decode(ids), s) << t.name() << " iteration " << i;
    for (uint32_t id : ids) ASSERT_LT(id, t.vocab_size());
    std::string text = t.decode_text(ids);  // always valid UTF-8
    ASSERT_EQ(t.decode(t.encode_ordinary(text)), text);
  }
}

TEST(RoundTripFuzz, OpenAiEncodings) {
  for (const char* name : {"gpt2", "cl100k_base", "o200k_base"}) fuzz(Tokenizer::load(name), 3000, 42);
}

TEST(RoundTripFuzz, TrainedTokenizer) {
  TrainerOptions o;
  o.vocab_size = 1000;
  BpeTrainer t(o);
  t.add_documents(test::make_mixed_corpus(200'000, 8));
  fuzz(t.train(), 3000, 7);
}

}  // namespace
}  // namespace llmforge
