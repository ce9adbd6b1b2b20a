#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "core/resident_memory.h"

namespace llmforge {
namespace {

// 64 MiB written page by page become resident and raise the high-water mark; after a
// reset, the mark measures the next phase only (below the old peak once they are freed).
TEST(ResidentMemory, PeakSeesTouchedPagesAndResetStartsAPhase) {
  const size_t before = resident_bytes();
  ASSERT_GT(before, 0u) << "/proc/self/status unreadable";
  const size_t n = size_t(64) << 20;
  size_t peak_with_block = 0;
  {
    std::unique_ptr<char[]> block(new char[n]);
    std::memset(block.get(), 1, n);
    EXPECT_GE(resident_bytes(), before + n / 2);
    peak_with_block = peak_resident_bytes();
    EXPECT_GE(peak_with_block, before + n / 2);
    EXPECT_EQ(block[n - 1], 1);
  }
  if (!reset_peak_resident()) GTEST_SKIP() << "this kernel does not let /proc/self/clear_refs reset the peak";
  EXPECT_LT(peak_resident_bytes(), peak_with_block - n / 4);
  EXPECT_GE(peak_resident_bytes(), resident_bytes() / 2);
}

}  // namespace
}  // namespace llmforge
