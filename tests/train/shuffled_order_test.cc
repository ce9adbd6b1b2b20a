// ShuffledOrder must give exactly the orders the SFT batcher and the RL prompt
// sources drew before it replaced them (documented runs depend on them), visit every
// item once an epoch, and resume from (epoch, cursor) at the same item.
#include "train/shuffled_order.h"

#include <gtest/gtest.h>

#include <numeric>

#include "core/error.h"
#include "core/rng.h"

namespace llmforge {
namespace {

// The formulas of the code ShuffledOrder replaced, copied as they were.
std::vector<uint32_t> old_sft_order(size_t n, uint64_t seed, uint64_t epoch) {
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  Rng rng(seed * 0x9E3779B97F4A7C15ull + epoch * 0xD1B54A32D192ED03ull + 0x5f7);
  shuffle_in_place(order, rng);
  return order;
}
std::vector<uint32_t> old_rl_order(size_t n, uint64_t seed, uint64_t epoch) {
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = uint32_t(i);
  Rng rng(seed * 0x9E3779B97F4A7C15ull + epoch + 1);
  shuffle_in_place(order, rng);
  return order;
}

// Draws `epochs` whole epochs with next() and compares them with the old formula.
void expect_old_sequence(ShuffleStream stream, decltype(&old_rl_order) old_order) {
  for (size_t n : {1, 2, 7, 64, 1000}) {
    for (uint64_t seed : {0ull, 1ull, 3ull, 42ull, 1234567ull, ~0ull}) {
      ShuffledOrder order(n, seed, stream);
      for (uint64_t epoch = 0; epoch < 4; ++epoch) {
        const std::vector<uint32_t> want = old_order(n, seed, epoch);
        for (size_t i = 0; i < n; ++i) {
          ASSERT_EQ(order.next(), want[i]) << "n " << n << " seed " << seed << " epoch " << epoch << " i " << i;
        }
      }
      EXPECT_EQ(order.position().epoch, 4u);
      EXPECT_EQ(order.position().cursor, 0u);
    }
  }
}

TEST(ShuffledOrder, SftStreamIsTheOldSftBatcherOrder) { expect_old_sequence(kSftShuffle, old_sft_order); }

TEST(ShuffledOrder, RlStreamIsTheOldPromptOrder) { expect_old_sequence(kRlShuffle, old_rl_order); }

// Recorded from the old code (n 7, seed 3, epochs 0-2) before it was replaced, so the
// test still fails if both the formula above and ShuffledOrder changed alike.
TEST(ShuffledOrder, RecordedSequences) {
  const std::vector<uint32_t> rl = {4, 2, 6, 1, 5, 3, 0, 0, 5, 3, 2, 4, 6, 1, 2, 3, 1, 4, 5, 6, 0};
  const std::vector<uint32_t> sft = {2, 3, 6, 5, 4, 1, 0, 4, 1, 5, 3, 6, 2, 0, 1, 2, 6, 3, 4, 5, 0};
  ShuffledOrder a(7, 3, kRlShuffle), b(7, 3, kSftShuffle);
  for (size_t i = 0; i < rl.size(); ++i) {
    EXPECT_EQ(a.next(), rl[i]) << i;
    EXPECT_EQ(b.next(), sft[i]) << i;
  }
}

TEST(ShuffledOrder, EveryItemOnceAnEpochAndEpochsDiffer) {
  ShuffledOrder order(50, 9, kSftShuffle);
  std::vector<uint32_t> first;
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<int> seen(50, 0);
    std::vector<uint32_t> this_epoch;
    for (int i = 0; i < 50; ++i) this_epoch.push_back(order.next()), ++seen[this_epoch.back()];
    for (int s : seen) EXPECT_EQ(s, 1);
    if (epoch == 0) first = this_epoch;
    else EXPECT_NE(this_epoch, first);
  }
}

TEST(ShuffledOrder, ResumesFromPosition) {
  ShuffledOrder run(13, 5, kRlShuffle);
  for (int i = 0; i < 30; ++i) run.next();  // into epoch 2
  const OrderPosition pos = run.position();
  EXPECT_EQ(pos.epoch, 2u);
  EXPECT_EQ(pos.cursor, 4u);
  ShuffledOrder resumed(13, 5, kRlShuffle);
  resumed.set_position(pos);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(resumed.next(), run.next()) << i;
}

TEST(ShuffledOrder, RejectsBadPositionAndNoItems) {
  ShuffledOrder order(4, 1, kRlShuffle);
  EXPECT_THROW(order.set_position({0, 4}), Error);
  EXPECT_THROW(ShuffledOrder(0, 1, kRlShuffle), Error);
}

}  // namespace
}  // namespace llmforge
