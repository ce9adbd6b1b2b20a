#include "train/shuffled_order.h"

#include <numeric>

#include "core/error.h"
#include "core/rng.h"

namespace llmforge {

ShuffledOrder::ShuffledOrder(size_t n, uint64_t seed, ShuffleStream stream)
    : n_(n), seed_(seed), stream_(stream) {
  if (n_ == 0) ErrorBuilder("train") << "a shuffled order of no items";
}

void ShuffledOrder::set_position(OrderPosition pos) {
  if (pos.cursor >= n_) {
    ErrorBuilder("train") << "data position " << pos.cursor << " is past the " << n_
                          << " items (was the data changed since the checkpoint?)";
  }
  pos_ = pos;
}

const std::vector<uint32_t>& ShuffledOrder::order(uint64_t epoch) {
  if (order_epoch_ != epoch) {
    order_.resize(n_);
    std::iota(order_.begin(), order_.end(), 0u);
    Rng rng(seed_ * 0x9E3779B97F4A7C15ull + epoch * stream_.epoch_stride + stream_.salt);
    shuffle_in_place(order_, rng);
    order_epoch_ = epoch;
  }
  return order_;
}

}  // namespace llmforge
