// BPE merge loop; see bpe.h.
#include "tokenizer/bpe.h"

#include <algorithm>
#include <cstring>
#include <queue>

#include "core/error.h"

namespace llmforge {
namespace {
// Pieces up to this many bytes use the quadratic array loop (fast for the short
// pieces of real text); longer ones a heap, so a 1 MB run of spaces stays linearithmic.
constexpr size_t kSmallPiece = 32;
}  // namespace

void BpeVocab::add_token(uint32_t id, std::string_view bytes) {
  if (bytes.empty()) ErrorBuilder("tokenizer") << "token " << id << " has no bytes";
  if (id >= offsets_.size()) {
    offsets_.resize(id + 1, kNone);
    lengths_.resize(id + 1, 0);
  }
  if (offsets_[id] != kNone) ErrorBuilder("tokenizer") << "token id " << id << " appears twice";
  if (by_bytes_.get(bytes) != BytesMap::kMissing)
    ErrorBuilder("tokenizer") << "token " << id << " repeats the bytes of token "
                                    << by_bytes_.get(bytes);
  offsets_[id] = static_cast<uint32_t>(arena_.size());
  lengths_[id] = static_cast<uint32_t>(bytes.size());
  arena_.append(bytes);
  by_bytes_.set(bytes, id);
}

void BpeVocab::build_merges_from_ranks() {
  merges_.reserve(by_bytes_.size() * 3);
  for (uint32_t id = 0; id < offsets_.size(); ++id) {
    if (offsets_[id] == kNone || lengths_[id] < 2) continue;
    std::string_view b = bytes(id);
    for (size_t k = 1; k < b.size(); ++k) {
      uint32_t left = by_bytes_.get(b.substr(0, k));
      if (left == kNone) continue;
      uint32_t right = by_bytes_.get(b.substr(k));
      if (right == kNone) continue;
      merges_.set(left, right, {id, id});
    }
  }
}

void BpeVocab::add_merge(uint32_t left, uint32_t right, uint32_t rank) {
  if (!has(left) || !has(right))
    ErrorBuilder("tokenizer") << "merge " << rank << " joins unknown token id "
                                    << (has(left) ? right : left);
  std::string joined(bytes(left));
  joined.append(bytes(right));
  uint32_t result = by_bytes_.get(joined);
  if (result == kNone)
    ErrorBuilder("tokenizer") << "merge " << rank << " gives bytes that are not in the vocabulary";
  merges_.set(left, right, {rank, result});
  merge_list_.push_back({left, right, rank});
}

void BpeVocab::finalize(bool whole_piece_lookup) {
  whole_piece_lookup_ = whole_piece_lookup;
  for (int b = 0; b < 256; ++b) {
    char c = static_cast<char>(b);
    uint32_t id = by_bytes_.get(std::string_view(&c, 1));
    if (id == kNone)
      ErrorBuilder("tokenizer") << "vocabulary has no token for byte 0x" << std::hex << b
                                      << ": byte-level BPE needs all 256 single bytes";
    byte_ids_[b] = id;
  }
  by_bytes_.build_filter();
  merges_.build_filter();
  hot_.assign(kHotSlots, HotSlot{});
  for (uint32_t id = 0; id < offsets_.size(); ++id) {
    if (offsets_[id] == kNone || lengths_[id] < 2 || lengths_[id] > sizeof(HotSlot::bytes)) continue;
    std::string_view b = bytes(id);
    uint64_t h = hash_bytes(b.data(), b.size());
    HotSlot& slot = hot_[h & (kHotSlots - 1)];
    if (slot.len != 0) continue;
    slot.hash = h;
    slot.id = id;
    slot.len = static_cast<uint8_t>(b.size());
    std::memcpy(slot.bytes, b.data(), b.size());
  }
  low_pairs_.assign(256 * 256, {PairMap::kNoRank, 0});
  for (uint32_t a = 0; a < 256; ++a) {
    for (uint32_t b = 0; b < 256; ++b) low_pairs_[a << 8 | b] = merges_.get(a, b);
  }
}

void BpeVocab::encode_piece(std::string_view piece, std::vector<uint32_t>* out) const {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(piece.data());
  size_t n = piece.size();
  if (n == 0) return;
  if (n == 1) {
    out->push_back(byte_ids_[p[0]]);
    return;
  }
  if (whole_piece_lookup_) {
    uint64_t h = hash_bytes(piece.data(), n);
    const HotSlot& slot = hot_[h & (kHotSlots - 1)];
    if (slot.hash == h && slot.len == n && std::memcmp(slot.bytes, piece.data(), n) == 0) {
      out->push_back(slot.id);
      return;
    }
    uint32_t id = by_bytes_.get(piece, h);
    if (id != kNone) {
      out->push_back(id);
      return;
    }
  }
  if (n <= kSmallPiece) {
    merge_small(p, n, PairMap::kNoRank, out);
  } else {
    merge_large(p, n, PairMap::kNoRank, out);
  }
}

// Parts in an array; each step finds the lowest-ranked adjacent pair (leftmost on
// ties), joins it, and refreshes the two ranks next to it. Only merges with
// rank < max_rank apply.
void BpeVocab::merge_small(const uint8_t* p, size_t n, uint32_t max_rank,
                           std::vector<uint32_t>* out) const {
  uint32_t ids[kSmallPiece];
  PairMap::Merge pair[kSmallPiece];
  for (size_t i = 0; i < n; ++i) ids[i] = byte_ids_[p[i]];
  auto lookup = [&](size_t i) {
    PairMap::Merge m = pair_merge(ids[i], ids[i + 1]);
    if (m.rank >= max_rank) m.rank = PairMap::kNoRank;
    return m;
  };
  for (size_t i = 0; i + 1 < n; ++i) pair[i] = lookup(i);
  size_t m = n;
  while (m > 1) {
    uint32_t best = PairMap::kNoRank;
    size_t at = 0;
    for (size_t i = 0; i + 1 < m; ++i) {
      if (pair[i].rank < best) {
        best = pair[i].rank;
        at = i;
      }
    }
    if (best == PairMap::kNoRank) break;
    ids[at] = pair[at].result;
    for (size_t i = at + 1; i + 1 < m; ++i) {
      ids[i] = ids[i + 1];
      pair[i] = pair[i + 1];
    }
    --m;
    if (at + 1 < m) pair[at] = lookup(at);
    if (at > 0) pair[at - 1] = lookup(at - 1);
  }
  out->insert(out->end(), ids, ids + m);
}

// Parts in a doubly linked list over byte positions, candidate pairs in a min-heap
// keyed by (rank, position); stale entries are skipped by re-checking the ids.
void BpeVocab::merge_large(const uint8_t* p, size_t n, uint32_t max_rank,
                           std::vector<uint32_t>* out) const {
  struct Candidate {
    uint32_t rank;
    uint32_t pos;
    uint32_t left;
    uint32_t right;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  constexpr uint32_t kEnd = 0xFFFFFFFFu;
  std::vector<uint32_t> ids(n), next(n), prev(n);
  for (size_t i = 0; i < n; ++i) {
    ids[i] = byte_ids_[p[i]];
    next[i] = i + 1 < n ? static_cast<uint32_t>(i + 1) : kEnd;
    prev[i] = i > 0 ? static_cast<uint32_t>(i - 1) : kEnd;
  }
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
  auto push = [&](uint32_t i) {
    if (i == kEnd || next[i] == kEnd) return;
    PairMap::Merge m = pair_merge(ids[i], ids[next[i]]);
    if (m.rank < max_rank) heap.push({m.rank, i, ids[i], ids[next[i]]});
  };
  for (uint32_t i = 0; i + 1 < n; ++i) push(i);
  std::vector<bool> alive(n, true);
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    uint32_t i = c.pos;
    if (!alive[i] || next[i] == kEnd || ids[i] != c.left || ids[next[i]] != c.right) continue;
    uint32_t j = next[i];
    ids[i] = pair_merge(c.left, c.right).result;
    alive[j] = false;
    next[i] = next[j];
    if (next[j] != kEnd) prev[next[j]] = i;
    push(i);
    if (prev[i] != kEnd) push(prev[i]);
  }
  for (uint32_t i = 0; i != kEnd; i = next[i]) out->push_back(ids[i]);
}

bool BpeVocab::split_of(uint32_t id, uint32_t* left, uint32_t* right) const {
  if (!has(id) || lengths_[id] < 2) return false;
  std::string_view b = bytes(id);
  std::vector<uint32_t> parts;
  PairMap::Merge own = {PairMap::kNoRank, id};
  // The rank of the merge that makes `id`: with ranks it is the id itself; with a merge
  // list it is the lowest-ranked listed pair producing it, found by trying splits.
  for (size_t k = 1; k < b.size(); ++k) {
    uint32_t l = find(b.substr(0, k)), r = find(b.substr(k));
    if (l == kNone || r == kNone) continue;
    PairMap::Merge m = merges_.get(l, r);
    if (m.result == id && m.rank < own.rank) own = m;
  }
  if (own.rank == PairMap::kNoRank) return false;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(b.data());
  if (b.size() <= kSmallPiece) {
    merge_small(p, b.size(), own.rank, &parts);
  } else {
    merge_large(p, b.size(), own.rank, &parts);
  }
  if (parts.size() != 2 || merges_.get(parts[0], parts[1]).result != id) return false;
  *left = parts[0];
  *right = parts[1];
  return true;
}

}  // namespace llmforge
