#include "data/minhash.h"

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "core/rng.h"
#include "data/text_utils.h"

namespace llmforge::data {

MinHasher::MinHasher(const MinHashConfig& config) : config_(config) {
  if (config.ngram < 1 || config.n_bands < 1 || config.rows_per_band < 1)
    ErrorBuilder("data") << "MinHash needs ngram, bands and rows >= 1 (got " << config.ngram
                         << ", " << config.n_bands << ", " << config.rows_per_band << ")";
  Rng rng(config.seed * 0x9E3779B97F4A7C15ull + 7);
  int n = n_hashes();
  a_.resize(n);
  b_.resize(n);
  for (int i = 0; i < n; ++i) {
    a_[i] = static_cast<uint32_t>(rng.next_u64()) | 1u;
    b_[i] = static_cast<uint32_t>(rng.next_u64());
  }
}

namespace {
// Applies every permutation to one shingle hash and keeps the minima. Kept as a
// plain loop over arrays so that the compiler vectorises it (8 lanes with AVX2).
inline void update_minima(uint32_t x, const uint32_t* __restrict a, const uint32_t* __restrict b,
                          uint32_t* __restrict mins, int n) {
  for (int i = 0; i < n; ++i) {
    uint32_t v = a[i] * x + b[i];
    mins[i] = v < mins[i] ? v : mins[i];
  }
}
}  // namespace

void MinHasher::signature(std::string_view normalized, std::vector<uint32_t>& sig) const {
  const int n = n_hashes();
  sig.assign(n, std::numeric_limits<uint32_t>::max());
  // Word hashes; CJK characters count as words (split_words).
  std::vector<uint64_t> wh;
  wh.reserve(normalized.size() / 5 + 1);
  for (auto w : split_words(normalized)) wh.push_back(hash_str(w, 0x5eed));
  if (wh.empty()) return;
  const size_t k = std::min<size_t>(config_.ngram, wh.size());
  for (size_t i = 0; i + k <= wh.size(); ++i) {
    uint64_t h = 0x2545F4914F6CDD1Dull;
    for (size_t j = 0; j < k; ++j) h = (h ^ wh[i + j]) * 0x100000001B3ull + j;
    h = mix64(h);
    update_minima(static_cast<uint32_t>(h ^ (h >> 32)), a_.data(), b_.data(), sig.data(), n);
  }
}

void MinHasher::band_hashes(const std::vector<uint32_t>& sig, uint64_t* out) const {
  const int r = config_.rows_per_band;
  for (int band = 0; band < config_.n_bands; ++band)
    out[band] = hash_bytes(sig.data() + band * r, r * sizeof(uint32_t), 0xBA5Eull + band);
}

double MinHasher::similarity(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  if (a.size() != b.size() || a.empty()) return 0.0;
  size_t eq = 0;
  for (size_t i = 0; i < a.size(); ++i) eq += a[i] == b[i];
  return static_cast<double>(eq) / a.size();
}

}  // namespace llmforge::data
