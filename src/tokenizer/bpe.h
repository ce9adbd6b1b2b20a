// The byte-level BPE vocabulary: token bytes by id, and the merge loop that turns
// one pre-tokenized piece into token ids.
//
// Two merge semantics, chosen by how the vocabulary was given:
//  - tiktoken ranks: any two adjacent parts whose concatenation is a token merge,
//    lowest rank (= id) first; build_merges_from_ranks() enumerates those pairs.
//  - Hugging Face merges: only the listed pairs merge, in list order (add_merge()).
// In both, ties go to the leftmost pair. With `whole_piece_lookup` (tiktoken always;
// HF when "ignore_merges" is set) a piece that is itself a token is that token.
// After finalize() the object is immutable and safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/hash_tables.h"

namespace llmforge {

class BpeVocab {
 public:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;

  // Adds a mergeable token; throws Error("tokenizer") for a duplicate id or bytes.
  void add_token(uint32_t id, std::string_view bytes);
  // tiktoken semantics (see above). Call after all tokens are added.
  void build_merges_from_ranks();
  // HF semantics: `left`+`right` merge with priority `rank`; throws when either side or
  // their concatenation is not a token.
  void add_merge(uint32_t left, uint32_t right, uint32_t rank);
  // Checks that all 256 single bytes are tokens (byte-level BPE must encode any input).
  void finalize(bool whole_piece_lookup);

  // Appends the ids of `piece` to `out`.
  void encode_piece(std::string_view piece, std::vector<uint32_t>* out) const;

  // kNone when `bytes` is not a token.
  uint32_t find(std::string_view bytes) const { return by_bytes_.get(bytes); }
  bool has(uint32_t id) const { return id < offsets_.size() && offsets_[id] != kNone; }
  std::string_view bytes(uint32_t id) const {
    return std::string_view(arena_.data() + offsets_[id], lengths_[id]);
  }
  // One past the highest id; ids below it may be missing.
  uint32_t id_limit() const { return static_cast<uint32_t>(offsets_.size()); }
  size_t size() const { return by_bytes_.size(); }
  uint32_t byte_token(uint8_t b) const { return byte_ids_[b]; }
  bool whole_piece_lookup() const { return whole_piece_lookup_; }
  const PairMap& merges() const { return merges_; }
  // Merges given by add_merge(), in call order: {left, right, rank}. Empty with ranks.
  const std::vector<std::array<uint32_t, 3>>& merge_list() const { return merge_list_; }

  // The two tokens whose merge forms `id` under these merge rules, found by encoding
  // the token's bytes with only merges ranked below it (how tiktoken vocabularies are
  // converted to merge lists). Returns false for single bytes and unreachable tokens.
  bool split_of(uint32_t id, uint32_t* left, uint32_t* right) const;

 private:
  PairMap::Merge pair_merge(uint32_t left, uint32_t right) const {
    if ((left | right) < 256) return low_pairs_[left << 8 | right];
    return merges_.get(left, right);
  }
  void merge_small(const uint8_t* p, size_t n, uint32_t max_rank,
                   std::vector<uint32_t>* out) const;
  void merge_large(const uint8_t* p, size_t n, uint32_t max_rank,
                   std::vector<uint32_t>* out) const;

  std::string arena_;
  std::vector<uint32_t> offsets_;  // kNone for ids that are not mergeable tokens
  std::vector<uint32_t> lengths_;
  BytesMap by_bytes_;
  PairMap merges_;
  // merges_ for pairs of ids below 256 (the single bytes, in every vocabulary we load),
  // as a dense table: the first round of lookups in every piece stays in cache.
  std::vector<PairMap::Merge> low_pairs_;
  // A direct-mapped cache (256 KB) of short tokens with their bytes inline, filled in id
  // order so the most frequent pieces (low ranks merge first) win their slots. A hit
  // costs no probe of the multi-megabyte by_bytes_ table and its key arena.
  struct HotSlot {
    uint64_t hash = 0;
    uint32_t id = 0;
    uint8_t len = 0;  // 0: empty
    char bytes[19] = {};
  };
  static constexpr size_t kHotSlots = 8192;
  std::vector<HotSlot> hot_;
  std::vector<std::array<uint32_t, 3>> merge_list_;
  uint32_t byte_ids_[256];
  bool whole_piece_lookup_ = true;
};

}  // namespace llmforge
