// Byte-level token shards of the toy corpus for training tests: two train shards
// and one val shard under <temp>/<name>/tokens, vocabulary 257 with BOS 256.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "../test_util.h"
#include "data/token_shard.h"
#include "train/toy_corpus.h"

namespace llmforge::testing {

constexpr uint32_t kByteBos = 256;

inline std::string make_byte_shards(const std::string& name, int documents) {
  std::string dir = temp_dir(name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/tokens");
  ToyCorpus corpus = make_toy_corpus(5, documents);
  data::TokenShardWriter train(dir + "/tokens/train-000000.bin", 257, kByteBos);
  data::TokenShardWriter train2(dir + "/tokens/train-000001.bin", 257, kByteBos);
  data::TokenShardWriter val(dir + "/tokens/val-000000.bin", 257, kByteBos);
  for (size_t d = 0; d < corpus.documents.size(); ++d) {
    std::vector<uint32_t> ids(corpus.documents[d].begin(), corpus.documents[d].end());
    for (auto& id : ids) id &= 0xff;
    (d % 10 == 9 ? val : d % 2 ? train2 : train).add_document(ids);
  }
  train.commit();
  train2.commit();
  val.commit();
  return dir;
}

}  // namespace llmforge::testing
