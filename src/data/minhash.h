// MinHash signatures for near-duplicate detection with FineWeb's parameters: word
// 5-gram shingles of normalised text (normalize_for_dedup), 112 hash functions read
// as 14 bands of 8. Each shingle is hashed once to 64 bits, folded to 32, and the
// 112 permutations are h_i(x) = a_i * x + b_i mod 2^32 with odd a_i (a
// multiply-shift family; the loop over i vectorises). A band hash is a 64-bit hash
// of its 8 minima; two documents are candidates when any band hash is equal.
// Immutable after construction: thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace llmforge::data {

struct MinHashConfig {
  int ngram = 5;
  int n_bands = 14;
  int rows_per_band = 8;
  uint64_t seed = 1;
};

class MinHasher {
 public:
  explicit MinHasher(const MinHashConfig& config = {});
  int n_hashes() const { return config_.n_bands * config_.rows_per_band; }
  int n_bands() const { return config_.n_bands; }

  // Signature of already-normalised text (normalize_for_dedup). Text with fewer
  // words than the shingle size is one shingle.
  void signature(std::string_view normalized, std::vector<uint32_t>& sig) const;
  // n_bands hashes of a signature.
  void band_hashes(const std::vector<uint32_t>& sig, uint64_t* out) const;
  // Estimated Jaccard similarity: the fraction of equal minima.
  static double similarity(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b);

 private:
  MinHashConfig config_;
  std::vector<uint32_t> a_;
  std::vector<uint32_t> b_;
};

}  // namespace llmforge::data
