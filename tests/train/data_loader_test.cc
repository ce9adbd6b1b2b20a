// The token-shard loader (deterministic, disjoint across ranks, resumable, strict
// about truncated shards) and the metrics log every training stage writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "../test_util.h"
#include "byte_shards.h"
#include "core/error.h"
#include "train/data_loader.h"
#include "train/metrics_log.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;
using testing::kByteBos;

TEST(DataLoader, DeterministicDisjointAndResumable) {
  std::string data = testing::make_byte_shards("train/loader", 300);
  auto shards = find_shards(data, "train");
  ASSERT_EQ(shards.size(), 2u);
  DataLoader a(shards, 16, false, 7), b(shards, 16, false, 7), c(shards, 16, false, 8);
  std::vector<int32_t> ia, ta, ib, tb, ic, tc;
  a.next_batch(4, ia, ta);
  b.next_batch(4, ib, tb);
  c.next_batch(4, ic, tc);
  EXPECT_EQ(ia, ib);
  EXPECT_NE(ia, ic) << "another seed should give another order";
  for (size_t i = 0; i + 1 < ia.size(); ++i)
    if ((i + 1) % 16) {
      EXPECT_EQ(ta[i], ia[i + 1]) << "targets are the next tokens";
    }

  // Resuming from a saved position reads the same windows.
  LoaderPosition pos = a.position();
  a.next_batch(3, ia, ta);
  DataLoader r(shards, 16, false, 7);
  r.set_position(pos);
  r.next_batch(3, ib, tb);
  EXPECT_EQ(ia, ib);

  // Two ranks read disjoint windows whose union is what one rank reads.
  DataLoader one(shards, 16, false, 3), r0(shards, 16, false, 3, 0, 2),
      r1(shards, 16, false, 3, 1, 2);
  std::vector<int32_t> x, y, in0, in1;
  one.next_batch(8, x, y);
  r0.next_batch(4, in0, y);
  r1.next_batch(4, in1, y);
  auto windows = [](const std::vector<int32_t>& v) {
    std::multiset<std::vector<int32_t>> s;
    for (size_t i = 0; i < v.size(); i += 16)
      s.insert(std::vector<int32_t>(v.begin() + i, v.begin() + i + 16));
    return s;
  };
  auto w0 = windows(in0), w1 = windows(in1), all = windows(x);
  std::multiset<std::vector<int32_t>> both = w0;
  both.insert(w1.begin(), w1.end());
  EXPECT_EQ(both, all);

  // Epochs wrap around with a new order.
  DataLoader small(shards, 16, true, 1);
  for (int i = 0; i < 3; ++i) small.next_batch(int(small.window_count()), x, y);
  EXPECT_GE(small.position().epoch, 2u);
  for (size_t i = 0; i < x.size(); i += 16)
    EXPECT_EQ(x[i], int32_t(kByteBos)) << "document-aligned";
}

TEST(DataLoader, RejectsTruncatedShards) {
  std::string data = testing::make_byte_shards("train/truncated", 50);
  std::string path = data + "/tokens/train-000000.bin";
  fs::resize_file(path, fs::file_size(path) - 3);
  EXPECT_THROW(DataLoader loader(find_shards(data, "train"), 16, false, 1), Error);
}

TEST(MetricsLog, ReadsWhatWasWrittenAndSkipsAPartialLastLine) {
  const std::string path = testing::temp_dir("train/metrics_log") + "/metrics.jsonl";
  fs::create_directories(fs::path(path).parent_path());
  {
    MetricsLog log(path, false);
    log.write({{"step", 1}, {"loss", 2.5}, {"lr", 0.1}});
    log.write({{"step", 2}, {"loss", 2.0}, {"val_loss", 2.2}});
    log.write({{"event", "checkpoint"}});  // no step: not a point of any series
  }
  { std::ofstream(path, std::ios::app) << "{\"step\": 3, \"loss\": 1."; }  // killed mid-write
  auto log = read_metrics_log(path, {"loss", "val_loss", "tokens_per_s"});
  EXPECT_EQ(log["loss"].step, (std::vector<double>{1, 2}));
  EXPECT_EQ(log["loss"].value, (std::vector<double>{2.5, 2.0}));
  EXPECT_EQ(log["val_loss"].step, (std::vector<double>{2}));
  EXPECT_TRUE(log["tokens_per_s"].step.empty());
}

TEST(MetricsLog, ABrokenLineBeforeTheEndIsAnErrorNamingTheLine) {
  const std::string path = testing::temp_dir("train/metrics_bad") + "/metrics.jsonl";
  fs::create_directories(fs::path(path).parent_path());
  { std::ofstream(path) << "{\"step\": 1, \"loss\": 2}\nnot json\n{\"step\": 2, \"loss\": 1}\n"; }
  try {
    read_metrics_log(path, {"loss"});
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("metrics.jsonl:2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_metrics_log(path + ".missing", {"loss"}), std::exception);
}

}  // namespace
}  // namespace llmforge
