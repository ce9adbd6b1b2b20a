// MinHash signatures, the on-disk dedup stage and token shards.
#include <gtest/gtest.h>

#include "core/error.h"
#include "data/dedup.h"
#include "data/minhash.h"
#include "data/text_utils.h"
#include "data/token_shard.h"
#include "test_util.h"

namespace llmforge::data {
namespace {

std::string change_words(const std::string& text, double fraction, uint64_t seed) {
  auto words = split_whitespace(text);
  std::vector<std::string> out(words.begin(), words.end());
  Rng rng(seed);
  size_t n = static_cast<size_t>(out.size() * fraction);
  for (size_t k = 0; k < n; ++k) out[rng.below(out.size())] = "zebra" + std::to_string(k);
  return test::join(out, " ");
}

TEST(DataMinHash, SimilarityTracksJaccard) {
  MinHasher h;
  EXPECT_EQ(h.n_hashes(), 112);
  std::string a = normalize_for_dedup(test::join(test::english_paragraphs(1, 8), " "));
  std::string near = normalize_for_dedup(change_words(a, 0.015, 1));
  std::string other = normalize_for_dedup(test::join(test::english_paragraphs(2, 8), " "));
  std::vector<uint32_t> sa, sn, so;
  h.signature(a, sa);
  h.signature(near, sn);
  h.signature(other, so);
  EXPECT_GT(MinHasher::similarity(sa, sn), 0.75);
  EXPECT_LT(MinHasher::similarity(sa, so), 0.1);
  uint64_t ba[14], bn[14], bo[14];
  h.band_hashes(sa, ba);
  h.band_hashes(sn, bn);
  h.band_hashes(so, bo);
  int shared_near = 0, shared_other = 0;
  for (int i = 0; i < 14; ++i) shared_near += ba[i] == bn[i], shared_other += ba[i] == bo[i];
  EXPECT_GT(shared_near, 0);
  EXPECT_EQ(shared_other, 0);
}

// Three inputs; exact and near duplicates across them, with a tiny memory budget
// so that the keys go through many disk partitions.
TEST(DataDedup, FindsExactAndNearDuplicatesAcrossFilesThroughPartitions) {
  test::TempDir dir;
  MinHasher h;
  std::vector<std::vector<std::string>> files = {{}, {}, {}};
  for (int i = 0; i < 300; ++i) files[i % 3].push_back(test::join(test::english_paragraphs(100 + i, 4), " "));
  // Plant: file 1 doc 5 == file 0 doc 2 (exact, differs only in case and punctuation);
  // file 2 doc 7 is a near copy of file 0 doc 3; file 2 doc 8 a near copy of that.
  files[1][5] = files[0][2];
  for (char& c : files[1][5]) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  files[2][7] = change_words(files[0][3], 0.01, 7);
  files[2][8] = change_words(files[2][7], 0.01, 8);
  std::vector<DedupInput> inputs;
  for (uint32_t f = 0; f < 3; ++f) {
    std::string sig = dir / ("s" + std::to_string(f) + ".sig");
    SignatureWriter w(sig, h.n_bands());
    std::vector<uint32_t> s;
    for (uint32_t d = 0; d < files[f].size(); ++d) {
      SignatureRecord rec;
      rec.doc_index = d;
      std::string norm = normalize_for_dedup(files[f][d]);
      rec.exact = hash_str(norm);
      h.signature(norm, s);
      h.band_hashes(s, rec.bands);
      w.add(rec);
    }
    w.commit();
    inputs.push_back({f, sig, dir / ("r" + std::to_string(f) + ".removed")});
  }
  RunStats stats;
  DedupConfig c;
  c.memory_bytes = 4096;  // forces many partitions
  c.tmp_dir = dir / "tmp";
  run_dedup(inputs, c, stats);
  EXPECT_GT(stats.counter("dedup_partitions"), 10u);
  EXPECT_EQ(read_removals(inputs[0].removal_path).size(), 0u);
  auto r1 = read_removals(inputs[1].removal_path);
  ASSERT_EQ(r1.size(), 1u);
  EXPECT_EQ(r1[0].doc_index, 5u);
  EXPECT_EQ(r1[0].kind, DupKind::Exact);
  auto r2 = read_removals(inputs[2].removal_path);
  ASSERT_EQ(r2.size(), 2u);
  EXPECT_EQ(r2[0].doc_index, 7u);
  EXPECT_EQ(r2[1].doc_index, 8u);
  EXPECT_EQ(r2[0].kind, DupKind::Near);
  EXPECT_EQ(stats.counter("dedup_near_duplicate_clusters"), 1u);

  // A truncated signature file is rejected with its name.
  std::string sig0 = test::read_bytes(inputs[0].signature_path);
  test::write_bytes(dir / "cut.sig", sig0.substr(0, sig0.size() - 3));
  try {
    SignatureReader r(dir / "cut.sig");
    FAIL() << "truncated signature file accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.sig is truncated"), std::string::npos) << e.what();
  }
}

TEST(DataTokenShard, RoundTripsBothWidthsWithBosBetweenDocuments) {
  test::TempDir dir;
  for (uint32_t vocab : {50257u, 200019u}) {
    std::string path = dir / ("s" + std::to_string(vocab) + ".bin");
    {
      TokenShardWriter w(path, vocab, 7);
      EXPECT_FALSE(std::filesystem::exists(path)) << "no final name before commit";
      w.add_document({1, 2, 3});
      w.add_document({vocab - 1});
      w.commit();
    }
    TokenShard s(path);
    EXPECT_EQ(s.header().token_width, vocab > 65536 ? 4u : 2u);
    EXPECT_EQ(s.header().doc_count, 2u);
    ASSERT_EQ(s.size(), 6u);
    std::vector<uint32_t> got(6);
    s.read(0, 6, got.data());
    EXPECT_EQ(got, (std::vector<uint32_t>{7, 1, 2, 3, 7, vocab - 1}));
    EXPECT_EQ(std::filesystem::file_size(path), 64 + 6 * s.header().token_width);
  }
}

TEST(DataTokenShard, RejectsTruncatedAndForeignFilesAndLeavesNoPartialShard) {
  test::TempDir dir;
  std::string path = dir / "a.bin";
  {
    TokenShardWriter w(path, 1000, 0);
    w.add_document(std::vector<uint32_t>(100, 5));
    w.commit();
  }
  std::string bytes = test::read_bytes(path);
  test::write_bytes(dir / "cut.bin", bytes.substr(0, bytes.size() - 2));
  try {
    TokenShard s(dir / "cut.bin");
    FAIL() << "truncated shard accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cut.bin"), std::string::npos) << e.what();
  }
  test::write_bytes(dir / "short.bin", bytes.substr(0, 10));
  EXPECT_THROW(TokenShard(dir / "short.bin"), Error);
  test::write_bytes(dir / "foreign.bin", std::string(200, 'x'));
  EXPECT_THROW(TokenShard(dir / "foreign.bin"), Error);
  {
    // Abandoned writer (an interrupted run): neither the shard nor its temporary remain.
    TokenShardWriter w(dir / "b.bin", 1000, 0);
    w.add_document({1, 2});
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "b.bin"));
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += e.path().filename().string().rfind("b.bin", 0) == 0;
  EXPECT_EQ(files, 0u);
  TokenShardWriter w(dir / "c.bin", 1000, 0);
  EXPECT_THROW(w.add_document({1000}), Error);
}

}  // namespace
}  // namespace llmforge::data
