// tiktoken's own test cases (tiktoken/tests/test_encoding.py), on the encodings
// loaded from the npm package. Left out: _encode_bytes (a private API that re-merges
// invalid UTF-8 tails) and the hypothesis round trip (covered by roundtrip_test.cc).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {
namespace {

using Ids = std::vector<uint32_t>;

const Tokenizer& enc(const std::string& name) {
  static std::map<std::string, Tokenizer>* cache = new std::map<std::string, Tokenizer>();
  auto it = cache->find(name);
  if (it == cache->end()) it = cache->emplace(name, Tokenizer::load(name)).first;
  return it->second;
}

TEST(TiktokenGolden, Simple) {
  EXPECT_EQ(enc("gpt2").encode("hello world"), (Ids{31373, 995}));
  EXPECT_EQ(enc("gpt2").decode({31373, 995}), "hello world");
  EXPECT_EQ(enc("gpt2").encode("hello <|endoftext|>", AllowedSpecial::all()), (Ids{31373, 220, 50256}));
  EXPECT_EQ(enc("cl100k_base").encode("hello world"), (Ids{15339, 1917}));
  EXPECT_EQ(enc("cl100k_base").decode({15339, 1917}), "hello world");
  EXPECT_EQ(enc("cl100k_base").encode("hello <|endoftext|>", AllowedSpecial::all()),
            (Ids{15339, 220, 100257}));
}

TEST(TiktokenGolden, EveryLowTokenEncodesToItself) {
  for (const char* name : {"gpt2", "r50k_base", "p50k_base", "cl100k_base", "o200k_base"}) {
    const BpeVocab& v = enc(name).vocab();
    for (uint32_t id = 0; id < 10000; ++id) {
      ASSERT_TRUE(v.has(id)) << name << " " << id;
      ASSERT_EQ(v.find(v.bytes(id)), id) << name;
    }
  }
}

TEST(TiktokenGolden, SimpleRepeated) {
  const Tokenizer& t = enc("gpt2");
  const std::vector<Ids> want = {{15},           {405},          {830},
                                 {2388},         {20483},        {10535},
                                 {24598},        {8269},         {10535, 830},
                                 {8269, 405},    {8269, 830},    {8269, 2388},
                                 {8269, 20483},  {8269, 10535},  {8269, 24598},
                                 {25645},        {8269, 10535, 830}};
  for (size_t n = 1; n <= want.size(); ++n)
    EXPECT_EQ(t.encode(std::string(n, '0')), want[n - 1]) << n << " zeros";
}

TEST(TiktokenGolden, SimpleRegex) {
  const Tokenizer& t = enc("cl100k_base");
  EXPECT_EQ(t.encode("rer"), (Ids{38149}));
  EXPECT_EQ(t.encode("'rer"), (Ids{2351, 81}));
  EXPECT_EQ(t.encode("today\n "), (Ids{31213, 198, 220}));
  EXPECT_EQ(t.encode("today\n \n"), (Ids{31213, 27907}));
  EXPECT_EQ(t.encode("today\n  \n"), (Ids{31213, 14211}));
}

TEST(TiktokenGolden, BasicEncode) {
  EXPECT_EQ(enc("r50k_base").encode("hello world"), (Ids{31373, 995}));
  EXPECT_EQ(enc("p50k_base").encode("hello world"), (Ids{31373, 995}));
  EXPECT_EQ(enc("cl100k_base").encode("hello world"), (Ids{15339, 1917}));
  EXPECT_EQ(enc("cl100k_base").encode(" \xc2\x85" "0"), (Ids{220, 126, 227, 15}));
  EXPECT_EQ(enc("r50k_base").encode(""), Ids{});
}

TEST(TiktokenGolden, InvalidBytesRoundTrip) {
  const Tokenizer& t = enc("cl100k_base");
  for (int i = 0; i < 10; ++i) {
    std::string bytes(i, '\x80');
    EXPECT_EQ(t.decode(t.encode_ordinary(bytes)), bytes);
  }
}

TEST(TiktokenGolden, Emoji) {
  const Tokenizer& t = enc("cl100k_base");
  EXPECT_EQ(t.encode("\xF0\x9F\x91\x8D"), (Ids{9468, 239, 235}));  // 👍
  // A UTF-8-encoded lone surrogate is three invalid bytes: they round-trip as bytes,
  // and decode_text() replaces each (none starts a valid sequence) with U+FFFD.
  EXPECT_EQ(t.decode(t.encode_ordinary("\xED\xA0\xBD")), "\xED\xA0\xBD");
  EXPECT_EQ(t.decode_text(t.encode_ordinary("\xED\xA0\xBD")), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(t.decode_text(t.encode_ordinary("a\xE2\x82z")), "a\xEF\xBF\xBDz");  // one per truncated sequence
}

TEST(TiktokenGolden, CatastrophicallyRepetitive) {
  for (const char* name : {"gpt2", "cl100k_base", "o200k_base"}) {
    const Tokenizer& t = enc(name);
    for (std::string c : {"^", "0", "a", "'s", " ", "\n"}) {
      std::string big;
      for (int i = 0; i < 10000; ++i) big += c;
      EXPECT_EQ(t.decode(t.encode(big)), big);
      EXPECT_EQ(t.decode(t.encode(" " + big)), " " + big);
      EXPECT_EQ(t.decode(t.encode(big + "\n")), big + "\n");
    }
  }
}

TEST(TiktokenGolden, LargeRepeated) {
  // tiktoken's test_large_repeated: half a megabyte with no split point must not go quadratic.
  const Tokenizer& t = enc("cl100k_base");
  for (char c : {'x', ' '}) {
    std::string big(500'000, c);
    std::vector<uint32_t> ids = t.encode_ordinary(big);
    EXPECT_LT(ids.size(), big.size() / 4);
    EXPECT_EQ(t.decode(ids), big);
  }
}

TEST(TiktokenGolden, BasicRoundTrip) {
  for (const char* name : {"gpt2", "cl100k_base", "o200k_base"}) {
    for (const char* value : {"hello", "hello ", "hello  ", " hello", " hello ", " hello  ",
                              "hello world", "请考试我的软件！12345"}) {
      EXPECT_EQ(enc(name).decode(enc(name).encode(value)), value);
    }
  }
}

TEST(TiktokenGolden, SpecialTokens) {
  const Tokenizer& t = enc("cl100k_base");
  uint32_t eot = *t.special_token_id("<|endoftext|>");
  uint32_t fip = *t.special_token_id("<|fim_prefix|>");
  uint32_t fim = *t.special_token_id("<|fim_middle|>");
  EXPECT_EQ(eot, 100257u);
  EXPECT_EQ(t.bos_id(), eot);
  auto has = [](const Ids& ids, uint32_t id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); };
  std::string text = "<|endoftext|> hello <|fim_prefix|>";
  EXPECT_FALSE(has(t.encode(text, AllowedSpecial::as_text()), eot));
  EXPECT_THROW(t.encode(text), Error);
  EXPECT_THROW(t.encode(text, AllowedSpecial::only({"<|endoftext|>"})), Error);
  text = "<|endoftext|> hello <|fim_prefix|> there <|fim_middle|>";
  Ids ids = t.encode(text, AllowedSpecial::as_text());
  EXPECT_FALSE(has(ids, eot) || has(ids, fip) || has(ids, fim));
  ids = t.encode(text, AllowedSpecial::all());
  EXPECT_TRUE(has(ids, eot) && has(ids, fip) && has(ids, fim));
  AllowedSpecial some = AllowedSpecial::only({"<|fim_prefix|>"});
  some.error_on_disallowed = false;
  ids = t.encode(text, some);
  EXPECT_FALSE(has(ids, eot));
  EXPECT_TRUE(has(ids, fip));
  EXPECT_FALSE(has(ids, fim));
  EXPECT_EQ(t.decode(ids), text);
}

TEST(TiktokenGolden, BatchEncode) {
  const Tokenizer& t = enc("cl100k_base");
  std::vector<std::string> texts = {"hello world", "goodbye world"};
  auto batch = t.encode_batch(texts, 2);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0], t.encode(texts[0]));
  EXPECT_EQ(batch[1], t.encode(texts[1]));
}

TEST(TiktokenGolden, VocabSizes) {
  EXPECT_EQ(enc("gpt2").vocab_size(), 50257u);
  EXPECT_EQ(enc("cl100k_base").vocab_size(), 100277u);
  EXPECT_EQ(enc("o200k_base").vocab_size(), 200019u);
}

TEST(TiktokenGolden, DecodeRejectsIdsOutsideTheVocabulary) {
  const Tokenizer& t = enc("cl100k_base");
  EXPECT_EQ(t.decode({100257}), "<|endoftext|>");
  for (uint32_t bad : {100261u, 100277u, 4000000000u}) {  // a gap in cl100k, one past the end, far out
    try {
      t.decode({15339, bad});
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos) << e.what();
    }
  }
}

TEST(TiktokenGolden, UnknownNameSaysWhatWasTried) {
  try {
    Tokenizer::load("cl100k_bas");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cl100k_base"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmforge
