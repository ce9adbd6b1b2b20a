// GGUF tokenizer keys: a trained tokenizer and cl100k_base survive export and import
// with the same encodings, the chat template is written, and patterns or vocabularies
// llama.cpp would split differently are refused by name.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "test_corpus.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/trainer.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;

std::string temp_path(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("llmforge_gguf_vocab_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

const std::vector<std::string>& docs() {
  static const auto* d = new std::vector<std::string>(test::make_mixed_corpus(200'000, 8));
  return *d;
}

Tokenizer trained(SplitPattern pattern) {
  TrainerOptions o;
  o.vocab_size = 2000;
  o.n_threads = 2;
  o.pattern = pattern;
  BpeTrainer t(o);
  t.add_documents(test::make_mixed_corpus(300'000, 9));
  return t.train();
}

std::string write_vocab(const Tokenizer& tok, int n_vocab, bool allow_inexact, const std::string& name) {
  gguf::Writer w;
  add_tokenizer_to_gguf(tok, n_vocab, allow_inexact, &w);
  const std::string path = temp_path(name);
  w.write(path);
  return path;
}

size_t documents_encoded_differently(const Tokenizer& a, const Tokenizer& b) {
  size_t differ = 0;
  for (const std::string& d : docs()) differ += a.encode_ordinary(d) != b.encode_ordinary(d);
  return differ;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(GgufVocab, TrainedTokenizerRoundTrip) {
  const Tokenizer tok = trained(SplitPattern::kQwen2);
  const std::string path = write_vocab(tok, int(tok.vocab_size()) + 5, false, "trained.gguf");
  gguf::File f = gguf::File::load(path);
  EXPECT_EQ(f.get_string("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(f.get_string("tokenizer.ggml.pre"), "qwen2");
  const auto& tokens = f.get_strings("tokenizer.ggml.tokens");
  const auto& types = f.get_ints("tokenizer.ggml.token_type");
  ASSERT_EQ(tokens.size(), tok.vocab_size() + 5);
  const uint32_t bos = *tok.special_token_id(special::kBos), end = *tok.special_token_id(special::kEnd);
  EXPECT_EQ(tokens[bos], "<|bos|>");
  EXPECT_EQ(types[bos], 3);                // control
  EXPECT_EQ(types[' '], 1);                // normal
  EXPECT_EQ(tokens[' '], "\xC4\xA0");      // byte-level spelling of a space: U+0120
  EXPECT_EQ(types[tok.vocab_size() + 2], 5);  // padding ids are unused tokens
  EXPECT_EQ(f.get_int("tokenizer.ggml.bos_token_id", 0, 1 << 20), bos);
  EXPECT_EQ(f.get_int("tokenizer.ggml.eot_token_id", 0, 1 << 20), end);
  EXPECT_TRUE(f.get_bool("tokenizer.ggml.add_bos_token"));
  EXPECT_EQ(f.get_string("tokenizer.chat_template"), chat_template_jinja());

  Tokenizer back = Tokenizer::load(path);
  EXPECT_EQ(back.pattern(), SplitPattern::kQwen2);
  for (const auto& [text, id] : tok.special_tokens()) EXPECT_EQ(back.special_token_id(text), id) << text;
  // The file means merges only (llama.cpp looks no whole piece up for qwen2); the
  // trained tokenizer also takes a piece that is a token as that token. They agree.
  EXPECT_EQ(documents_encoded_differently(tok, back), 0u);
}

TEST(GgufVocab, RankVocabularyRoundTrip) {
  const Tokenizer tok = Tokenizer::load("cl100k_base");
  EXPECT_NE(error_of([&] { write_vocab(tok, int(tok.vocab_size()), false, "cl.gguf"); }).find("llama-bpe"),
            std::string::npos);
  Tokenizer back = Tokenizer::load(write_vocab(tok, int(tok.vocab_size()), true, "cl.gguf"));
  EXPECT_EQ(back.pattern(), SplitPattern::kCl100k);
  EXPECT_EQ(documents_encoded_differently(tok, back), 0u);
}

TEST(GgufVocab, PatternsLlamaCppLacksAreRefusedByName) {
  const Tokenizer o200k = Tokenizer::load("o200k_base");
  const std::string m = error_of([&] { write_vocab(o200k, int(o200k.vocab_size()), true, "o.gguf"); });
  EXPECT_NE(m.find("'o200k' pattern"), std::string::npos) << m;

  const Tokenizer old = trained(SplitPattern::kLlmforge);
  const std::string m2 = error_of([&] { write_vocab(old, int(old.vocab_size()), false, "old.gguf"); });
  EXPECT_NE(m2.find("'llmforge' pattern"), std::string::npos) << m2;
  EXPECT_NE(m2.find("tekken"), std::string::npos) << m2;
  const std::string path = write_vocab(old, int(old.vocab_size()), true, "old.gguf");
  EXPECT_EQ(gguf::File::load(path).get_string("tokenizer.ggml.pre"), "tekken");
  EXPECT_EQ(Tokenizer::load(path).pattern(), SplitPattern::kLlmforge);  // our key keeps it exact
}

TEST(GgufVocab, ForeignTokenizersAreRefusedByName) {
  const Tokenizer tok = trained(SplitPattern::kQwen2);
  auto with = [&](const std::string& key, const std::string& value) {
    gguf::Writer w;
    add_tokenizer_to_gguf(tok, int(tok.vocab_size()), false, &w);
    w.set_string(key, value);
    const std::string path = temp_path("foreign.gguf");
    w.write(path);
    return error_of([&] { Tokenizer::load(path); });
  };
  EXPECT_NE(with("tokenizer.ggml.model", "llama").find("tokenizer.ggml.model 'llama' is not supported"),
            std::string::npos);
  EXPECT_NE(with("llmforge.tokenizer.pattern", "bogus").find("'bogus'"), std::string::npos);
}

}  // namespace
}  // namespace llmforge
