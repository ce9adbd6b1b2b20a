// tokenizer.json and .tiktoken: what we save loads back to the same encoder (for a
// tokenizer we trained and for cl100k_base), and malformed files give errors that
// name the file and what is wrong.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "test_corpus.h"
#include "tokenizer/trainer.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;

class Formats : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("llmforge_formats_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(dir_ / name) << text; }

  static const std::vector<std::string>& docs() {
    static const auto* d = new std::vector<std::string>(test::make_mixed_corpus(300'000, 5));
    return *d;
  }
  static void expect_same_encoding(const Tokenizer& a, const Tokenizer& b) {
    ASSERT_EQ(a.vocab_size(), b.vocab_size());
    EXPECT_EQ(a.special_tokens().size(), b.special_tokens().size());
    for (const auto& [text, id] : a.special_tokens()) EXPECT_EQ(b.special_token_id(text), id) << text;
    size_t differ = 0;
    for (const std::string& d : docs()) differ += a.encode_ordinary(d) != b.encode_ordinary(d);
    EXPECT_EQ(differ, 0u) << "documents encoded differently";
  }

  fs::path dir_;
};

Tokenizer trained() {
  TrainerOptions o;
  o.vocab_size = 3000;
  o.n_threads = 2;
  BpeTrainer t(o);
  t.add_documents(test::make_mixed_corpus(400'000, 9));
  return t.train();
}

TEST_F(Formats, TrainedTokenizerJsonRoundTrip) {
  Tokenizer t = trained();
  fs::create_directories(dir_ / "model");
  t.save_tokenizer_json(path("model/tokenizer.json"));
  Tokenizer back = Tokenizer::load(path("model"));  // a model directory
  expect_same_encoding(t, back);
  EXPECT_EQ(back.pattern(), SplitPattern::kQwen2);  // the trainer's default
  EXPECT_EQ(back.bos_id(), t.bos_id());
}

TEST_F(Formats, TrainedTiktokenRoundTrip) {
  Tokenizer t = trained();
  t.save_tiktoken(path("ours.tiktoken"));
  Tokenizer back = Tokenizer::load(path("ours.tiktoken"));
  expect_same_encoding(t, back);
  EXPECT_EQ(back.name(), t.name());
}

TEST_F(Formats, Cl100kThroughBothFormats) {
  Tokenizer cl = Tokenizer::load("cl100k_base");
  cl.save_tiktoken(path("cl100k_base.tiktoken"));
  expect_same_encoding(cl, Tokenizer::load(path("cl100k_base.tiktoken")));
  cl.save_tokenizer_json(path("tokenizer.json"));
  Tokenizer hf = Tokenizer::load(path("tokenizer.json"));
  EXPECT_EQ(hf.pattern(), SplitPattern::kCl100k);
  expect_same_encoding(cl, hf);
}

TEST_F(Formats, Gpt2StyleTokenizerJson) {
  // The layout of GPT-2's own tokenizer.json: ByteLevel pre-tokenizer, string merges,
  // <|endoftext|> both in vocab and in added_tokens.
  write("tokenizer.json", R"({"added_tokens":[{"id":258,"content":"<|endoftext|>","special":true}],
    "normalizer":null,"pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"use_regex":true},
    "model":{"type":"BPE","vocab":VOCAB,"merges":["Ġ t","Ġt h"]}})");
  std::string vocab = "{";
  for (int b = 0; b < 256; ++b) {
    // GPT-2's byte-to-unicode map, written out for the test.
    uint32_t cp = b;
    if (!((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)) {
      int n = 0;
      for (int x = 0; x < b; ++x) n += !((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || x >= 174);
      cp = 256 + n;
    }
    std::string s;
    if (cp < 0x80) s += static_cast<char>(cp); else { s += static_cast<char>(0xC0 | (cp >> 6)); s += static_cast<char>(0x80 | (cp & 63)); }
    if (s == "\"" || s == "\\") s = "\\" + s;
    vocab += "\"" + s + "\":" + std::to_string(b) + ",";
  }
  vocab += "\"Ġt\":256,\"Ġth\":257,\"<|endoftext|>\":258}";
  std::string text;
  { std::ifstream in(path("tokenizer.json")); text.assign(std::istreambuf_iterator<char>(in), {}); }
  text.replace(text.find("VOCAB"), 5, vocab);
  write("tokenizer.json", text);
  Tokenizer t = Tokenizer::load(path("tokenizer.json"));
  EXPECT_EQ(t.pattern(), SplitPattern::kGpt2);
  EXPECT_EQ(t.encode_ordinary(" th"), (std::vector<uint32_t>{257}));
  EXPECT_EQ(t.encode_ordinary(" the"), (std::vector<uint32_t>{257, 'e'}));
  EXPECT_EQ(t.encode("a<|endoftext|>", AllowedSpecial::all()), (std::vector<uint32_t>{'a', 258}));
  EXPECT_EQ(t.bos_id(), 258u);
}

TEST_F(Formats, ErrorsNameTheProblem) {
  auto error_of = [&](const std::string& p) -> std::string {
    try {
      Tokenizer::load(p);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  write("broken.json", "{\"model\": ");
  EXPECT_NE(error_of(path("broken.json")).find("not valid JSON"), std::string::npos);
  write("wp.json", R"({"model":{"type":"WordPiece","vocab":{}},"pre_tokenizer":null})");
  EXPECT_NE(error_of(path("wp.json")).find("WordPiece"), std::string::npos);
  write("re.json", R"({"model":{"type":"BPE","vocab":{},"merges":[]},"pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"\\w+"},"behavior":"Isolated","invert":false},{"type":"ByteLevel","use_regex":false}]}})");
  EXPECT_NE(error_of(path("re.json")).find("not one of the supported"), std::string::npos);
  write("bad.tiktoken", "IQ== 0\nIg==\n");
  EXPECT_NE(error_of(path("bad.tiktoken")).find("bad.tiktoken:2"), std::string::npos);
  write("few.tiktoken", "IQ== 0\n");
  EXPECT_NE(error_of(path("few.tiktoken")).find("256 single bytes"), std::string::npos);
  fs::create_directories(dir_ / "empty_model");
  EXPECT_NE(error_of(path("empty_model")).find("has no tokenizer.json"), std::string::npos);
  EXPECT_NE(error_of("no_such_encoding").find("neither"), std::string::npos);
}

// Ids out of range in any format are refused naming the file and entry: a negative
// id read as unsigned, or 4e9, would otherwise size the vocabulary to 2^32.
TEST_F(Formats, OutOfRangeIdsAreRefused) {
  Tokenizer t = trained();
  auto error_of = [&](const std::string& p) -> std::string {
    try {
      Tokenizer::load(p);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  fs::create_directories(dir_ / "neg");
  t.save_tokenizer_json(path("neg/tokenizer.json"));
  nlohmann::json j = nlohmann::json::parse(std::ifstream(path("neg/tokenizer.json")));
  j["model"]["vocab"].begin().value() = -5;
  write("neg/tokenizer.json", j.dump());
  std::string e = error_of(path("neg"));
  EXPECT_NE(e.find("-5"), std::string::npos) << e;
  EXPECT_NE(e.find("tokenizer.json: vocab entry"), std::string::npos) << e;

  t.save_tiktoken(path("ours.tiktoken"));
  nlohmann::json side = nlohmann::json::parse(std::ifstream(path("ours.tiktoken.json")));
  for (const char* bad : {"-7", "4000000000"}) {
    nlohmann::json s = side;
    s["special_tokens"].begin().value() = nlohmann::json::parse(bad);
    write("ours.tiktoken.json", s.dump());
    e = error_of(path("ours.tiktoken"));
    EXPECT_NE(e.find(bad), std::string::npos) << e;
    EXPECT_NE(e.find("ours.tiktoken.json: special token"), std::string::npos) << e;
  }
  write("big.tiktoken", "IQ== 0\nIg== 9999999999\n");
  e = error_of(path("big.tiktoken"));
  EXPECT_NE(e.find("9999999999"), std::string::npos) << e;
}

TEST_F(Formats, SavesAtomically) {
  Tokenizer t = trained();
  t.save_tokenizer_json(path("tokenizer.json"));
  t.save_tiktoken(path("t.tiktoken"));
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

}  // namespace
}  // namespace llmforge
