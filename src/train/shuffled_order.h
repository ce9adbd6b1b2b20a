// Indices 0..n-1 visited once an epoch, in an order shuffled afresh each epoch from
// (seed, epoch). Because each epoch's order is a pure function of (seed, epoch), the
// position (epoch, cursor) is all a checkpoint needs to resume bitwise identically.
// SFT conversations and RL prompts are drawn this way. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace llmforge {

// How an epoch's shuffle seed is mixed from (seed, epoch):
//   seed * 0x9E3779B97F4A7C15 + epoch * epoch_stride + salt.
// The two streams below are the ones the stages always used; they are kept as they
// were so that documented runs reproduce exactly (changing either reorders data).
struct ShuffleStream {
  uint64_t epoch_stride;
  uint64_t salt;
};
inline constexpr ShuffleStream kSftShuffle{0xD1B54A32D192ED03ull, 0x5f7};
inline constexpr ShuffleStream kRlShuffle{1, 1};

struct OrderPosition {
  uint64_t epoch = 0;
  uint64_t cursor = 0;  // index into the epoch's shuffled order
};

class ShuffledOrder {
 public:
  // n > 0 items.
  ShuffledOrder(size_t n, uint64_t seed, ShuffleStream stream);

  // The item at the current position, without moving.
  uint32_t peek() { return order(pos_.epoch)[pos_.cursor]; }
  // Moves one item on; past the last item of an epoch to the first of the next.
  void advance() {
    if (++pos_.cursor == n_) pos_.cursor = 0, ++pos_.epoch;
  }
  // peek() then advance().
  uint32_t next() {
    const uint32_t i = peek();
    advance();
    return i;
  }

  size_t size() const { return n_; }
  OrderPosition position() const { return pos_; }
  // Throws if the cursor is past the items (a checkpoint of other data).
  void set_position(OrderPosition pos);

  // The whole order of `epoch` (valid until the next call for another epoch).
  const std::vector<uint32_t>& order(uint64_t epoch);

 private:
  size_t n_;
  uint64_t seed_;
  ShuffleStream stream_;
  OrderPosition pos_;
  uint64_t order_epoch_ = UINT64_MAX;  // the epoch order_ holds
  std::vector<uint32_t> order_;
};

}  // namespace llmforge
