// Open-addressing hash tables for the encoder's hot path: byte string -> token id
// (whole pieces) and token pair -> merge (rank, result). std::unordered_map costs a
// heap node and a slow hash per lookup; these are flat arrays probed linearly.
// Both are built once and then only read, so concurrent lookups are safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace llmforge {

inline uint64_t hash_bytes(const void* data, size_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = n * kMul ^ 0x243F6A8885A308D3ull;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * kMul;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t v = 0;
    std::memcpy(&v, p, n);
    h = (h ^ v) * kMul;
  }
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 32);
}

// Maps byte strings to uint32 values. Keys are copied into an internal arena.
class BytesMap {
 public:
  static constexpr uint32_t kMissing = 0xFFFFFFFFu;

  void reserve(size_t n) { rehash(capacity_for(n)); }
  // Inserts or overwrites.
  void set(std::string_view key, uint32_t value) {
    if ((size_ + 1) * 4 >= slots_.size() * 3) rehash(capacity_for(size_ * 2 + 16));
    uint64_t h = hash_bytes(key.data(), key.size());
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.len == kEmpty) {
        s.hash = h;
        s.offset = static_cast<uint32_t>(arena_.size());
        s.len = static_cast<uint32_t>(key.size());
        s.value = value;
        arena_.append(key);
        ++size_;
        filter_.clear();  // rebuilt by build_filter()
        return;
      }
      if (s.hash == h && key_of(s) == key) {
        s.value = value;
        return;
      }
    }
  }
  uint32_t get(std::string_view key) const { return get(key, hash_bytes(key.data(), key.size())); }
  // With the key's hash_bytes() already computed.
  uint32_t get(std::string_view key, uint64_t h) const {
    if (size_ == 0) return kMissing;
    if (!filter_.empty() && !filter_test(h)) return kMissing;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.len == kEmpty) return kMissing;
      if (s.hash == h && s.len == key.size() && same_bytes(arena_.data() + s.offset, key.data(), s.len))
        return s.value;
    }
  }
  size_t size() const { return size_; }
  // Calls fn(std::string_view key, uint32_t value) for every entry, in no fixed order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (const Slot& s : slots_) {
      if (s.len != kEmpty) fn(key_of(s), s.value);
    }
  }

 private:
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;
    uint32_t len = kEmpty;
    uint32_t value = 0;
  };
  // Pieces are short: compare 8 bytes at a time inline instead of calling memcmp.
  static bool same_bytes(const char* a, const char* b, size_t n) {
    while (n >= 8) {
      uint64_t x, y;
      std::memcpy(&x, a, 8);
      std::memcpy(&y, b, 8);
      if (x != y) return false;
      a += 8;
      b += 8;
      n -= 8;
    }
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  static size_t capacity_for(size_t n) {
    size_t c = 16;
    while (c * 3 < n * 4 + 4) c *= 2;
    return c;
  }
  std::string_view key_of(const Slot& s) const {
    return std::string_view(arena_.data() + s.offset, s.len);
  }
  void rehash(size_t capacity) {
    if (capacity <= slots_.size()) return;
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& s : old) {
      if (s.len == kEmpty) continue;
      size_t i = s.hash & mask_;
      while (slots_[i].len != kEmpty) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  // A one-hash Bloom filter of 8-16 bits per key (200 KB for cl100k) answers most misses
  // from cache; the slot array is megabytes and a probe there is a cache miss. Built
  // once the table is complete; any later insertion drops it.
 public:
  void build_filter() {
    filter_.assign(filter_words_for(size_), 0);
    for (const Slot& s : slots_) {
      if (s.len != kEmpty) filter_bit(s.hash);
    }
  }

 private:
  void filter_bit(uint64_t h) {
    uint64_t b = (h >> 40) & (filter_.size() * 64 - 1);
    filter_[b >> 6] |= uint64_t{1} << (b & 63);
  }
  bool filter_test(uint64_t h) const {
    uint64_t b = (h >> 40) & (filter_.size() * 64 - 1);
    return (filter_[b >> 6] >> (b & 63)) & 1;
  }
  static size_t filter_words_for(size_t n) {
    size_t bits = 1024;
    while (bits < n * 8) bits *= 2;
    return bits / 64;
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
  std::string arena_;
  std::vector<uint64_t> filter_;
};

// Maps a token pair (left, right) to the merge that joins them.
class PairMap {
 public:
  struct Merge {
    uint32_t rank;    // lower merges first
    uint32_t result;  // token id of the joined pair
  };
  static constexpr uint32_t kNoRank = 0xFFFFFFFFu;

  void reserve(size_t n) { rehash(capacity_for(n)); }
  // Keeps the lower rank when a pair is set twice.
  void set(uint32_t left, uint32_t right, Merge merge) {
    if ((size_ + 1) * 2 >= slots_.size()) rehash(capacity_for(size_ * 2 + 16));
    uint64_t key = pack(left, right);
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.key == kEmptyKey) {
        s.key = key;
        s.merge = merge;
        ++size_;
        filter_.clear();  // rebuilt by build_filter()
        return;
      }
      if (s.key == key) {
        if (merge.rank < s.merge.rank) s.merge = merge;
        return;
      }
    }
  }
  // Returns {kNoRank, 0} when the pair does not merge.
  Merge get(uint32_t left, uint32_t right) const {
    if (size_ == 0) return {kNoRank, 0};
    uint64_t key = pack(left, right);
    if (!filter_.empty() && !filter_test(key)) return {kNoRank, 0};
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) return s.merge;
      if (s.key == kEmptyKey) return {kNoRank, 0};
    }
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmptyKey = ~0ull;
  struct Slot {
    uint64_t key = kEmptyKey;
    Merge merge{kNoRank, 0};
  };
  static uint64_t pack(uint32_t a, uint32_t b) { return (uint64_t{a} << 32) | b; }
  size_t slot_of(uint64_t key) const {
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    return (h ^ (h >> 31)) & mask_;
  }
  static size_t capacity_for(size_t n) {
    size_t c = 16;
    while (c < n * 2 + 2) c *= 2;
    return c;
  }
  void rehash(size_t capacity) {
    if (capacity <= slots_.size()) return;
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& s : old) {
      if (s.key == kEmptyKey) continue;
      size_t i = slot_of(s.key);
      while (slots_[i].key != kEmptyKey) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  // Bloom filter as in BytesMap: most pairs do not merge, and those answers come from
  // a few hundred KB instead of a slot array of megabytes.
 public:
  void build_filter() {
    filter_.assign(filter_words_for(size_), 0);
    for (const Slot& s : slots_) {
      if (s.key != kEmptyKey) filter_bit(s.key);
    }
  }

 private:
  static uint64_t filter_hash(uint64_t key) { return (key ^ (key >> 29)) * 0xD6E8FEB86659FD93ull; }
  void filter_bit(uint64_t key) {
    uint64_t b = (filter_hash(key) >> 40) & (filter_.size() * 64 - 1);
    filter_[b >> 6] |= uint64_t{1} << (b & 63);
  }
  bool filter_test(uint64_t key) const {
    uint64_t b = (filter_hash(key) >> 40) & (filter_.size() * 64 - 1);
    return (filter_[b >> 6] >> (b & 63)) & 1;
  }
  static size_t filter_words_for(size_t n) {
    size_t bits = 1024;
    while (bits < n * 8) bits *= 2;
    return bits / 64;
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
  std::vector<uint64_t> filter_;
};

}  // namespace llmforge
