// Pre-tokenizer splits on hand-picked cases whose tiktoken splits are known; the
// broad check against the npm package is parity_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer/pretokenizer.h"

namespace llmforge {
namespace {

std::vector<std::string> split(SplitPattern p, std::string_view text) {
  std::vector<std::string> out;
  for_each_piece(p, text, [&](std::string_view piece) { out.emplace_back(piece); });
  return out;
}
using V = std::vector<std::string>;

TEST(PreTokenizer, Gpt2) {
  auto p = SplitPattern::kGpt2;
  EXPECT_EQ(split(p, "Hello world's  end"), (V{"Hello", " world", "'s", " ", " end"}));
  EXPECT_EQ(split(p, "x   \n"), (V{"x", "   \n"}));
  EXPECT_EQ(split(p, "a 123456 !!"), (V{"a", " 123456", " !!"}));
  EXPECT_EQ(split(p, "DON'T"), (V{"DON", "'", "T"}));  // contractions are case-sensitive
}

TEST(PreTokenizer, Cl100k) {
  auto p = SplitPattern::kCl100k;
  EXPECT_EQ(split(p, "DON'T stop"), (V{"DON", "'T", " stop"}));
  EXPECT_EQ(split(p, "1234567"), (V{"123", "456", "7"}));
  EXPECT_EQ(split(p, "today\n \n"), (V{"today", "\n \n"}));
  EXPECT_EQ(split(p, "a  \tb"), (V{"a", "  ", "\tb"}));
  EXPECT_EQ(split(p, "x ...\n\ny"), (V{"x", " ...\n\n", "y"}));
  EXPECT_EQ(split(p, "\xC5\xBF'\xC5\xBF"), (V{"\xC5\xBF", "'\xC5\xBF"}));
  EXPECT_EQ(split(p, "it'\xC5\xBF"), (V{"it", "'\xC5\xBF"}));  // ſ case-folds to s
}

TEST(PreTokenizer, O200k) {
  auto p = SplitPattern::kO200k;
  EXPECT_EQ(split(p, "HelloWorld ABCdef don't"), (V{"Hello", "World", " ABCdef", " don't"}));
  EXPECT_EQ(split(p, "path/to/file"), (V{"path", "/to", "/file"}));
  EXPECT_EQ(split(p, "你好世界"), (V{"你好世界"}));
}

TEST(PreTokenizer, LlmforgeSplitsDigits) {
  EXPECT_EQ(split(SplitPattern::kLlmforge, "x=1234"), (V{"x", "=", "1", "2", "3", "4"}));
}

// llama.cpp's "qwen2" regex: cl100k with single digits, contractions ASCII-cased only.
TEST(PreTokenizer, Qwen2) {
  auto p = SplitPattern::kQwen2;
  EXPECT_EQ(split(p, "x=1234 DON'T"), (V{"x", "=", "1", "2", "3", "4", " DON", "'T"}));
  EXPECT_EQ(split(p, "today\n \n"), (V{"today", "\n \n"}));
  EXPECT_EQ(split(p, "x ...\n\ny"), (V{"x", " ...\n\n", "y"}));
  EXPECT_EQ(split(p, "HelloWorld"), (V{"HelloWorld"}));  // no case split, unlike o200k
  // U+017F does not fold to 's' here (it does in cl100k, which splits "'ſ", "t").
  EXPECT_EQ(split(p, "it'\xC5\xBFt"), (V{"it", "'\xC5\xBFt"}));
  EXPECT_EQ(split(SplitPattern::kCl100k, "it'\xC5\xBFt"), (V{"it", "'\xC5\xBF", "t"}));
  EXPECT_EQ(split(p, "it'st"), (V{"it", "'s", "t"}));
}

TEST(PreTokenizer, InvalidBytesAreKept) {
  std::string s = "a\xFF\xC3 b\x80";
  std::string joined;
  for (const auto& piece : split(SplitPattern::kCl100k, s)) joined += piece;
  EXPECT_EQ(joined, s);
}

TEST(PreTokenizer, PatternNamesRoundTrip) {
  for (auto p : {SplitPattern::kGpt2, SplitPattern::kCl100k, SplitPattern::kO200k,
                 SplitPattern::kLlmforge, SplitPattern::kQwen2}) {
    EXPECT_EQ(split_pattern_from_regex(split_pattern_regex(p)), p);
    EXPECT_EQ(split_pattern_from_name(split_pattern_name(p)), p);
  }
}

}  // namespace
}  // namespace llmforge
