// Parity with the npm `tiktoken` package (WASM build of OpenAI's Rust tiktoken) for
// gpt2, cl100k_base and o200k_base: identical ids for every document of a corpus of
// English prose, C headers, Chinese, emoji, combining marks, long whitespace and digit
// runs, and random code points from all planes.
#include <gtest/gtest.h>

#include <fstream>

#include "reference_tiktoken.h"
#include "test_corpus.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {
namespace {

void expect_parity(const std::string& encoding, const std::vector<std::string>& docs) {
  Tokenizer tok = Tokenizer::load(encoding);
  auto want = test::reference_encode(encoding, docs);
  ASSERT_EQ(want.size(), docs.size());
  size_t mismatches = 0, tokens = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    std::vector<uint32_t> got = tok.encode_ordinary(docs[i]);
    tokens += got.size();
    if (got == want[i]) continue;
    if (++mismatches > 5) continue;
    size_t k = 0;
    while (k < got.size() && k < want[i].size() && got[k] == want[i][k]) ++k;
    std::string ours, theirs;
    auto show = [&](const std::vector<uint32_t>& ids, std::string* out) {
      for (size_t j = k; j < std::min(ids.size(), k + 4); ++j) {
        out->append("[");
        out->append(tok.token_bytes(ids[j]));
        out->append("]");
      }
    };
    show(got, &ours);
    show(want[i], &theirs);
    ADD_FAILURE() << encoding << " document " << i << " differs at token " << k << ": ours "
                  << ours << " tiktoken " << theirs;
  }
  EXPECT_EQ(mismatches, 0u) << encoding << ": " << mismatches << " of " << docs.size()
                            << " documents differ";
  EXPECT_GT(tokens, docs.size());
}

const std::vector<std::string>& corpus() {
  static const auto* docs = new std::vector<std::string>(test::make_mixed_corpus(1'200'000, 1));
  return *docs;
}

TEST(TiktokenParity, Gpt2) { expect_parity("gpt2", corpus()); }
TEST(TiktokenParity, Cl100k) { expect_parity("cl100k_base", corpus()); }
TEST(TiktokenParity, O200k) { expect_parity("o200k_base", corpus()); }

// Code points assigned in Debian's UnicodeData.txt (Unicode 15.0), ranges expanded.
std::vector<bool> assigned_code_points() {
  std::vector<bool> assigned(0x110000, false);
  std::ifstream in("/usr/share/unicode/UnicodeData.txt");
  std::string line;
  uint32_t range_start = 0;
  while (std::getline(in, line)) {
    uint32_t cp = static_cast<uint32_t>(std::stoul(line.substr(0, line.find(';')), nullptr, 16));
    if (line.find(", First>") != std::string::npos) {
      range_start = cp;
    } else if (line.find(", Last>") != std::string::npos) {
      for (uint32_t c = range_start; c <= cp; ++c) assigned[c] = true;
    } else {
      assigned[cp] = true;
    }
  }
  return assigned;
}

// Every code point assigned in Unicode 15.0 (and unassigned ones up to U+2FFFF), each
// in contexts whose tokens depend on its class: "<c>'s" keeps the contraction whole
// only after a letter or (o200k) a mark, "<c>123" splits as "<c>12|3" only after a
// number, "  <c>x" differs for white space. Code points first assigned in Unicode
// 15.1/16.0 are left out: npm tiktoken's regex knows them, Debian's unicode-data
// (15.0) does not; see src/tokenizer/unicode.h.
TEST(TiktokenParity, EveryCodePointInContext) {
  std::vector<bool> assigned = assigned_code_points();
  ASSERT_TRUE(assigned['a']) << "cannot read /usr/share/unicode/UnicodeData.txt";
  std::vector<std::string> docs;
  std::string doc;
  auto put = [&](uint32_t cp) {
    char buf[4];
    int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (n == 1) buf[0] = static_cast<char>(cp);
    if (n == 2) { buf[0] = static_cast<char>(0xC0 | (cp >> 6)); buf[1] = static_cast<char>(0x80 | (cp & 63)); }
    if (n == 3) { buf[0] = static_cast<char>(0xE0 | (cp >> 12)); buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 63)); buf[2] = static_cast<char>(0x80 | (cp & 63)); }
    if (n == 4) { buf[0] = static_cast<char>(0xF0 | (cp >> 18)); buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 63)); buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 63)); buf[3] = static_cast<char>(0x80 | (cp & 63)); }
    doc.append(buf, n);
  };
  for (uint32_t cp = 0; cp < 0x110000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    if (!assigned[cp]) continue;
    if (cp >= 0x20000 && cp % 7 != 0) continue;  // the CJK planes and beyond: a sample
    put(cp); doc += "'s "; put(cp); doc += "123  "; put(cp); doc += "x a"; put(cp); doc += "'S\n";
    if (doc.size() > 4000) docs.push_back(std::move(doc)), doc.clear();
  }
  docs.push_back(doc);
  for (const char* enc : {"cl100k_base", "o200k_base", "gpt2"}) expect_parity(enc, docs);
}

}  // namespace
}  // namespace llmforge
