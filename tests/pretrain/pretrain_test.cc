// Pretraining: loader determinism and partitioning, bitwise resume, the NaN guard,
// and 2-process MPI training equal to 1 process with twice the accumulation.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "../test_util.h"
#include "core/error.h"
#include "data/token_shard.h"
#include "model/model_io.h"
#include "pretrain/data_loader.h"
#include "pretrain/distributed.h"
#include "pretrain/metrics_log.h"
#include "pretrain/pretrain.h"
#include "train/toy_corpus.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;
constexpr uint32_t kBos = 256;

// Byte-level token shards (vocabulary 257, BOS 256) of the toy corpus.
std::string make_shards(const std::string& name, int documents) {
  std::string dir = testing::temp_dir("pretrain/" + name);
  fs::remove_all(dir);
  fs::create_directories(dir + "/tokens");
  ToyCorpus corpus = make_toy_corpus(5, documents);
  data::TokenShardWriter train(dir + "/tokens/train-000000.bin", 257, kBos);
  data::TokenShardWriter train2(dir + "/tokens/train-000001.bin", 257, kBos);
  data::TokenShardWriter val(dir + "/tokens/val-000000.bin", 257, kBos);
  for (size_t d = 0; d < corpus.documents.size(); ++d) {
    std::vector<uint32_t> ids(corpus.documents[d].begin(), corpus.documents[d].end());
    for (auto& id : ids) id &= 0xff;
    (d % 10 == 9 ? val : d % 2 ? train2 : train).add_document(ids);
  }
  train.commit();
  train2.commit();
  val.commit();
  return dir;
}

PretrainConfig small_config(const std::string& data, const std::string& out) {
  PretrainConfig c;
  c.data_dir = data;
  c.out_dir = out;
  c.model.dim = 32, c.model.n_layers = 2, c.model.n_heads = 4, c.model.n_kv_heads = 2;
  c.model.ffn_dim = 64, c.model.max_seq_len = 32;
  c.micro_batch = 4;
  c.steps = 8;
  c.schedule = {LrSchedule::Kind::kCosine, 3e-3, 3e-4, 2, 8, 0.2};
  c.eval_every = 4;
  c.eval_windows = 8;
  c.checkpoint_every = 4;
  c.log_interval_s = 1e9;
  return c;
}

TEST(DataLoader, DeterministicDisjointAndResumable) {
  std::string data = make_shards("loader", 300);
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
  DataLoader one(shards, 16, false, 3), r0(shards, 16, false, 3, 0, 2), r1(shards, 16, false, 3, 1, 2);
  std::vector<int32_t> x, y, in0, in1;
  one.next_batch(8, x, y);
  r0.next_batch(4, in0, y);
  r1.next_batch(4, in1, y);
  auto windows = [](const std::vector<int32_t>& v) {
    std::multiset<std::vector<int32_t>> s;
    for (size_t i = 0; i < v.size(); i += 16) s.insert(std::vector<int32_t>(v.begin() + i, v.begin() + i + 16));
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
  for (size_t i = 0; i < x.size(); i += 16) EXPECT_EQ(x[i], int32_t(kBos)) << "document-aligned";
}

TEST(DataLoader, RejectsTruncatedShards) {
  std::string data = make_shards("truncated", 50);
  std::string path = data + "/tokens/train-000000.bin";
  fs::resize_file(path, fs::file_size(path) - 3);
  EXPECT_THROW(DataLoader loader(find_shards(data, "train"), 16, false, 1), Error);
}

TEST(Pretrain, ResumeContinuesBitwiseIdentically) {
  std::string data = make_shards("resume", 400);
  std::string out_a = testing::temp_dir("pretrain/resume_a"), out_b = testing::temp_dir("pretrain/resume_b");
  fs::remove_all(out_a);
  fs::remove_all(out_b);
  Distributed dist;
  PretrainSummary full = run_pretraining(small_config(data, out_a), dist);
  ASSERT_EQ(full.step_losses.size(), 8u);
  EXPECT_LT(full.step_losses.back(), full.step_losses.front());
  EXPECT_TRUE(fs::exists(out_a + "/model/model.safetensors"));
  EXPECT_TRUE(fs::exists(out_a + "/metrics.jsonl"));

  // Start B from A's checkpoint at step 4, as if A had been interrupted there.
  fs::create_directories(out_b + "/checkpoints");
  fs::copy(out_a + "/checkpoints/step_00000004", out_b + "/checkpoints/step_00000004",
           fs::copy_options::recursive);
  std::ofstream(out_b + "/checkpoints/latest") << "step_00000004\n";
  PretrainConfig cb = small_config(data, out_b);
  cb.resume = true;
  PretrainSummary resumed = run_pretraining(cb, dist);
  ASSERT_EQ(resumed.step_losses.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(resumed.step_losses[i], full.step_losses[4 + i]) << "step " << 4 + i;
  auto a = load_model(out_a + "/model"), b = load_model(out_b + "/model");
  EXPECT_EQ(0, std::memcmp(a->params(), b->params(), a->n_param_floats() * sizeof(float)));
}

TEST(Pretrain, NonFiniteStepsAreSkippedThenStopTheRun) {
  std::string data = make_shards("nan", 300);
  Distributed dist;
  // Two poisoned steps: skipped with a warning, training goes on.
  std::string out = testing::temp_dir("pretrain/nan_skip");
  fs::remove_all(out);
  PretrainConfig c = small_config(data, out);
  c.after_backward = [](long step, Model& m) {
    if (step == 2 || step == 3) m.grads()[0] = NAN;
  };
  PretrainSummary s = run_pretraining(c, dist);
  EXPECT_FALSE(s.stopped_non_finite);
  EXPECT_TRUE(std::isnan(s.step_losses[2]) && std::isnan(s.step_losses[3]));
  EXPECT_TRUE(std::isfinite(s.step_losses[7]));
  auto m = load_model(s.model_dir);
  for (size_t i = 0; i < m->n_param_floats(); ++i) ASSERT_TRUE(std::isfinite(m->params()[i]));

  // Every step from 5 on poisoned, 3 allowed in a row: the run stops after step 7
  // and the checkpoint of step 4 stays intact.
  out = testing::temp_dir("pretrain/nan_stop");
  fs::remove_all(out);
  c = small_config(data, out);
  c.max_bad_steps = 3;
  c.after_backward = [](long step, Model& m) {
    if (step >= 4) m.grads()[5] = INFINITY;
  };
  s = run_pretraining(c, dist);
  EXPECT_TRUE(s.stopped_non_finite);
  EXPECT_EQ(s.step_losses.size(), 7u);
  EXPECT_FALSE(fs::exists(out + "/model"));
  auto good = load_model(out + "/checkpoints/step_00000004");
  for (size_t i = 0; i < good->n_param_floats(); ++i) ASSERT_TRUE(std::isfinite(good->params()[i]));
}

std::vector<double> metric_losses(const std::string& path) { return read_metrics_log(path, {"loss"})["loss"].value; }

TEST(MetricsLog, ReadsWhatWasWrittenAndSkipsAPartialLastLine) {
  const std::string path = testing::temp_dir("pretrain/metrics_log") + "/metrics.jsonl";
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
  const std::string path = testing::temp_dir("pretrain/metrics_bad") + "/metrics.jsonl";
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

TEST(Pretrain, TwoProcessesEqualOneWithTwiceTheAccumulation) {
  std::string data = make_shards("mpi", 400);
  std::string bin = std::string(LLMFORGE_BINARY_DIR) + "/llmforge";
  std::string common = " pretrain --data " + data +
                       " --dim 32 --layers 2 --heads 4 --kv-heads 2 --ffn 64 --seq 32 --steps 6"
                       " --micro-batch 4 --batch-tokens 256 --warmup 2 --eval-every 3"
                       " --checkpoint-every 3 --log-interval 1000";
  std::string one = testing::temp_dir("pretrain/mpi_one"), two = testing::temp_dir("pretrain/mpi_two");
  fs::remove_all(one);
  fs::remove_all(two);
  ASSERT_EQ(0, std::system((bin + common + " --out " + one + " > " + one + ".log 2>&1").c_str()))
      << "single process run failed; see " << one << ".log";
  std::string mpirun = "OMP_NUM_THREADS=1 mpirun --allow-run-as-root --oversubscribe -np 2 ";
  ASSERT_EQ(0, std::system((mpirun + bin + common + " --out " + two + " > " + two + ".log 2>&1").c_str()))
      << "mpirun run failed; see " << two << ".log";
  auto a = metric_losses(one + "/metrics.jsonl"), b = metric_losses(two + "/metrics.jsonl");
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5 * std::fabs(a[i])) << "step " << i;
}

}  // namespace
}  // namespace llmforge
