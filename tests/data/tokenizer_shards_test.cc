// Token shards made with the project's real tokenizer: a small BPE trained here,
// saved as tokenizer.json and loaded by name, as `llmforge data --tokenizer` does.
// Decoding each BOS-separated run of a shard gives back a clean document.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "data/pipeline.h"
#include "data/text_utils.h"
#include "data/token_shard.h"
#include "data/tokenizer_encoder.h"
#include "test_util.h"
#include "toy_encoder.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/trainer.h"

namespace llmforge::data {
namespace {

namespace fs = std::filesystem;

TEST(DataTokenizerShards, ShardsDecodeBackToTheCleanDocuments) {
  test::TempDir dir;
  std::vector<std::string> corpus;
  for (int i = 0; i < 40; ++i) corpus.push_back(test::join(test::english_paragraphs(900 + i, 5), "\n\n"));
  TrainerOptions o;
  o.vocab_size = 600;
  o.n_threads = 2;
  BpeTrainer trainer(o);
  trainer.add_documents(corpus);
  trainer.train().save_tokenizer_json(dir / "tok.json");
  fs::rename(dir / "tok.json", dir / "tokenizer.json");

  std::string lines;
  for (size_t i = 0; i < corpus.size(); ++i)
    lines += nlohmann::json({{"id", "doc" + std::to_string(i)}, {"text", corpus[i]}}).dump() + "\n";
  test::write_bytes(dir / "in/docs.jsonl", lines);
  PipelineConfig c;
  c.inputs = {dir / "in"};
  c.output_dir = dir / "out";
  c.threads = 2;
  c.val_fraction = 0.25;
  c.jsonl_zstd_level = 0;
  c.tokenizer = make_tokenizer_factory(dir.path());  // a folder holding tokenizer.json
  run_pipeline(c);

  std::set<std::string> clean;
  std::string clean_file = test::read_bytes(clean_path(c.output_dir, 0, false));
  for (auto line : split_lines(clean_file))
    if (!line.empty()) clean.insert(nlohmann::json::parse(line)["text"].get<std::string>());
  ASSERT_EQ(clean.size(), corpus.size());

  Tokenizer tok = Tokenizer::load(dir.path());
  std::set<std::string> decoded;
  for (const char* split : {"train", "val"}) {
    TokenShard s(token_shard_path(c.output_dir, split, 0));
    EXPECT_EQ(s.header().bos_id, tok.bos_id());
    EXPECT_EQ(s.header().vocab_size, tok.vocab_size());
    EXPECT_EQ(s.header().token_width, 2u);
    std::vector<uint32_t> ids;
    for (uint64_t i = 0; i <= s.size(); ++i) {
      if (i == s.size() || s[i] == tok.bos_id()) {
        if (i > 0) decoded.insert(tok.decode(ids));
        ids.clear();
        if (i == 0) {
          EXPECT_EQ(s[0], tok.bos_id()) << "a shard starts with BOS";
        }
      } else {
        ids.push_back(s[i]);
      }
    }
    EXPECT_GT(s.header().doc_count, 0u) << split;
  }
  EXPECT_EQ(decoded, clean);
}

// README step 3: a finished folder rerun with --tokenizer gets its token shards; a
// changed tokenizer or --val-fraction rewrites them; a rerun without --tokenizer
// keeps them.
TEST(DataTokenizerShards, RerunWithATokenizerAddsAndUpdatesTheShards) {
  test::TempDir dir;
  std::string lines;
  for (int i = 0; i < 40; ++i) {
    lines += nlohmann::json({{"id", "doc" + std::to_string(i)},
                             {"text", test::join(test::english_paragraphs(300 + i, 3), "\n\n")}})
                 .dump() +
             "\n";
  }
  test::write_bytes(dir / "in/docs.jsonl", lines);
  PipelineConfig c;
  c.inputs = {dir / "in"};
  c.output_dir = dir / "out";
  c.threads = 2;
  c.jsonl_zstd_level = 0;
  run_pipeline(c);  // step 1: clean text only
  const std::string train = token_shard_path(c.output_dir, "train", 0);
  const std::string val = token_shard_path(c.output_dir, "val", 0);
  EXPECT_FALSE(fs::exists(train));

  c.tokenizer = test::byte_encoder_factory();
  c.tokenizer_id = "bytes@1";
  c.val_fraction = 0.1;
  run_pipeline(c);  // step 3
  ASSERT_TRUE(fs::exists(train));
  ASSERT_TRUE(fs::exists(val));
  const uint64_t val_docs = TokenShard(val).header().doc_count;
  const uint64_t all_docs = val_docs + TokenShard(train).header().doc_count;
  EXPECT_GT(all_docs, 30u);

  c.val_fraction = 0.5;  // another split: the shards are written again
  run_pipeline(c);
  EXPECT_GT(TokenShard(val).header().doc_count, val_docs);
  EXPECT_EQ(TokenShard(val).header().doc_count + TokenShard(train).header().doc_count, all_docs);

  const std::string before = test::read_bytes(val);
  c.tokenizer = nullptr;  // a rerun of step 1 keeps the shards
  c.tokenizer_id.clear();
  run_pipeline(c);
  EXPECT_EQ(test::read_bytes(val), before);
}

// Header fields are range-checked when a shard is opened, naming the shard: BOS past
// the vocabulary, a vocabulary of 2^31 (which would wrap to a negative size).
TEST(DataTokenizerShards, HeaderIdsOutOfRangeAreRefusedNamingTheShard) {
  test::TempDir dir;
  const std::string path = dir / "train-000000.bin";
  {
    TokenShardWriter w(path, 400, 1);
    w.add_document({5, 6, 7});
    w.commit();
  }
  auto patched = [&](uint32_t bos, uint32_t vocab) {
    std::string bytes = test::read_bytes(path);
    std::memcpy(bytes.data() + 32, &bos, 4);
    std::memcpy(bytes.data() + 36, &vocab, 4);
    const std::string p = dir / "patched.bin";
    test::write_bytes(p, bytes);
    try {
      TokenShard s(p);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(patched(1, 400), "no error");
  std::string e = patched(70000, 400);
  EXPECT_NE(e.find("patched.bin: BOS id 70000 in the header is not below the vocabulary size 400"),
            std::string::npos)
      << e;
  e = patched(1, 2147483648u);
  EXPECT_NE(e.find("patched.bin: vocabulary size 2147483648 in the header is outside"), std::string::npos)
      << e;
}

}  // namespace
}  // namespace llmforge::data
