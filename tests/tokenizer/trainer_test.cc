// BPE trainer: determinism across thread counts, the reserved special tokens, digit
// splitting, the character cap, and that the result round-trips and compresses.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "core/error.h"
#include "test_corpus.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/trainer.h"

namespace llmforge {
namespace {

const std::vector<std::string>& corpus() {
  static const auto* docs = new std::vector<std::string>(test::make_mixed_corpus(600'000, 11));
  return *docs;
}

Tokenizer train(int threads, uint32_t vocab = 2000) {
  TrainerOptions o;
  o.vocab_size = vocab;
  o.n_threads = threads;
  BpeTrainer t(o);
  t.add_documents(corpus());
  return t.train();
}

TEST(BpeTrainer, SameVocabularyOnAnyThreadCount) {
  Tokenizer one = train(1), four = train(4);
  ASSERT_EQ(one.vocab_size(), four.vocab_size());
  for (uint32_t id = 0; id < one.vocab_size(); ++id) ASSERT_EQ(one.token_bytes(id), four.token_bytes(id)) << id;
  EXPECT_EQ(one.vocab().merge_list(), four.vocab().merge_list());
}

TEST(BpeTrainer, ReservesChatTokensAtTheTop) {
  Tokenizer t = train(2);
  EXPECT_EQ(t.vocab_size(), 2000u);
  EXPECT_EQ(t.bos_id(), 2000u - special::kReserved.size());
  for (size_t i = 0; i < special::kReserved.size(); ++i)
    EXPECT_EQ(t.special_token_id(special::kReserved[i]), t.bos_id() + i);
  std::vector<uint32_t> ids = t.encode("<|bos|><|user|>hi<|end|>", AllowedSpecial::all());
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ(ids.front(), t.bos_id());
  EXPECT_EQ(ids.back(), *t.special_token_id(special::kEnd));
  EXPECT_THROW(t.encode("<|think|>"), Error);
}

TEST(BpeTrainer, RoundTripsAndCompresses) {
  Tokenizer t = train(2);
  size_t bytes = 0, tokens = 0;
  for (const std::string& d : corpus()) {
    auto ids = t.encode_ordinary(d);
    ASSERT_EQ(t.decode(ids), d);
    bytes += d.size();
    tokens += ids.size();
  }
  EXPECT_GT(static_cast<double>(bytes) / tokens, 2.0);  // bytes alone would give 1.0
}

TEST(BpeTrainer, SplitsNumbersIntoDigits) {
  Tokenizer t = train(2);
  auto ids = t.encode_ordinary("year 20250 and 31337");
  size_t digits = 0;
  for (uint32_t id : ids) {
    std::string_view b = t.token_bytes(id);
    if (b.size() == 1 && b[0] >= '0' && b[0] <= '9') ++digits;
    for (char c : b) EXPECT_TRUE(!(c >= '0' && c <= '9') || b.size() == 1) << b;
  }
  EXPECT_EQ(digits, 10u);
}

TEST(BpeTrainer, CapsDocumentsByCharacters) {
  EXPECT_EQ(cap_characters("h\xC3\xA9llo", 2), "h\xC3\xA9");
  EXPECT_EQ(cap_characters("abc", 0), "abc");
  TrainerOptions o;
  o.vocab_size = 300;
  o.max_doc_chars = 3;
  BpeTrainer t(o);
  t.add_documents(std::vector<std::string>{"aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb"});
  EXPECT_EQ(t.bytes(), 6u);
  Tokenizer tok = t.train();
  EXPECT_FALSE(tok.vocab().find("aaaa") != BpeVocab::kNone);
}

TEST(BpeTrainer, ReadsJsonlAndRejectsBadLines) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("llmforge_trainer_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "good.jsonl") << "{\"text\": \"hello hello\"}\n\n{\"text\": \"world\"}\n";
  std::ofstream(dir / "bad.jsonl") << "{\"text\": \"ok\"}\n{\"body\": \"x\"}\n";
  TrainerOptions o;
  o.vocab_size = 300;
  BpeTrainer t(o);
  t.add_file((dir / "good.jsonl").string());
  EXPECT_EQ(t.documents(), 2u);
  try {
    t.add_file((dir / "bad.jsonl").string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
  // The data pipeline's clean/ folder: .jsonl.zst files, read as a directory.
  fs::create_directories(dir / "clean");
  ASSERT_EQ(std::system(("printf '{\"text\": \"zz top\"}\\n' | zstd -q -o " + (dir / "clean/000000.jsonl.zst").string()).c_str()), 0);
  BpeTrainer z(o);
  z.add_file((dir / "clean").string());
  EXPECT_EQ(z.documents(), 1u);
  EXPECT_EQ(z.bytes(), 6u);
  fs::remove_all(dir);
}

TEST(BpeTrainer, RejectsTinyVocabulary) {
  TrainerOptions o;
  o.vocab_size = 260;
  EXPECT_THROW(BpeTrainer{o}, Error);
}

}  // namespace
}  // namespace llmforge
