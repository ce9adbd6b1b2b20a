// Training windows from token shards (data pipeline output, docs/data-pipeline.md).
//
// A window is T+1 consecutive tokens of one shard: T inputs and their T next-token
// targets. Windows start every T tokens, or, with `align_to_documents`, at each
// document's BOS token (windows then may run into the next document). They never
// cross a shard boundary.
//
// Order: each epoch visits every window once in a permutation drawn from
// (seed, epoch). With several processes, rank r of W takes permutation positions
// r, r + W, r + 2W, ...: disjoint parts of the same order. The position (epoch,
// cursor) is the whole state: saved in checkpoints, it makes a resumed run read
// exactly the windows it would have read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/token_shard.h"

namespace llmforge {

struct LoaderPosition {
  uint64_t epoch = 0;
  uint64_t cursor = 0;  // index into this epoch's permutation (all ranks together)
};

class DataLoader {
 public:
  // Throws Error("shards") if no shard is usable or shards disagree on vocabulary.
  DataLoader(std::vector<std::string> shard_paths, int seq_len, bool align_to_documents,
             uint64_t seed, int rank = 0, int world = 1);

  // Fills inputs/targets (batch x seq_len) with this rank's next windows.
  void next_batch(int batch, std::vector<int32_t>& inputs, std::vector<int32_t>& targets);

  // The first `n` windows in file order (not shuffled): a fixed evaluation set.
  void first_windows(int n, std::vector<int32_t>& inputs, std::vector<int32_t>& targets) const;

  LoaderPosition position() const { return pos_; }
  void set_position(LoaderPosition p);
  uint64_t window_count() const { return starts_.size(); }
  uint64_t token_count() const { return total_tokens_; }
  uint32_t vocab_size() const { return vocab_size_; }
  uint32_t bos_id() const { return bos_id_; }

 private:
  struct Start {
    uint32_t shard;
    uint64_t offset;
  };
  void build_permutation();
  void read_window(const Start& s, int32_t* inputs, int32_t* targets) const;

  std::vector<std::unique_ptr<data::TokenShard>> shards_;
  std::vector<Start> starts_;
  std::vector<uint64_t> permutation_;
  int seq_len_;
  uint64_t seed_;
  int rank_, world_;
  LoaderPosition pos_;
  uint64_t total_tokens_ = 0;
  uint32_t vocab_size_ = 0, bos_id_ = 0;
};

// Shard files of one split ("train" or "val") under a data pipeline output
// directory (its tokens/ folder) or directly in `dir`, sorted by name.
std::vector<std::string> find_shards(const std::string& dir, const std::string& split);

}  // namespace llmforge
