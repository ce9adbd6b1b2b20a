// Pretraining: bitwise resume, the NaN guard, and 2-process MPI training equal to
// 1 process with twice the accumulation.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "../train/byte_shards.h"
#include "core/error.h"
#include "model/model_io.h"
#include "pretrain/pretrain.h"
#include "train/distributed.h"
#include "train/metrics_log.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;

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

TEST(Pretrain, ResumeContinuesBitwiseIdentically) {
  std::string data = testing::make_byte_shards("pretrain/resume", 400);
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
  std::string data = testing::make_byte_shards("pretrain/nan", 300);
  Distributed dist;
  // Two poisoned steps (3 and 4, numbered from 1): skipped with a warning,
  // training goes on.
  std::string out = testing::temp_dir("pretrain/nan_skip");
  fs::remove_all(out);
  PretrainConfig c = small_config(data, out);
  c.after_backward = [](long step, Model& m) {
    if (step == 3 || step == 4) m.grads()[0] = NAN;
  };
  PretrainSummary s = run_pretraining(c, dist);
  EXPECT_FALSE(s.stopped_non_finite);
  EXPECT_TRUE(std::isnan(s.step_losses[2]) && std::isnan(s.step_losses[3]));
  EXPECT_TRUE(std::isfinite(s.step_losses[7]));
  auto m = load_model(s.model_dir);
  for (size_t i = 0; i < m->n_param_floats(); ++i) ASSERT_TRUE(std::isfinite(m->params()[i]));

  // Every step from 5 on poisoned, 3 allowed in a row: the run stops after step 7
  // and the checkpoint of step 4 stays intact. Skipped steps are logged under
  // their own number.
  out = testing::temp_dir("pretrain/nan_stop");
  fs::remove_all(out);
  c = small_config(data, out);
  c.max_bad_steps = 3;
  c.after_backward = [](long step, Model& m) {
    if (step >= 5) m.grads()[5] = INFINITY;
  };
  s = run_pretraining(c, dist);
  EXPECT_TRUE(s.stopped_non_finite);
  EXPECT_EQ(s.step_losses.size(), 7u);
  EXPECT_EQ(s.steps_done, 7);
  std::vector<long> skipped;
  std::ifstream metrics(out + "/metrics.jsonl");
  for (std::string line; std::getline(metrics, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("skipped")) skipped.push_back(j["step"].get<long>());
  }
  EXPECT_EQ(skipped, (std::vector<long>{5, 6, 7}));
  EXPECT_FALSE(fs::exists(out + "/model"));
  auto good = load_model(out + "/checkpoints/step_00000004");
  for (size_t i = 0; i < good->n_param_floats(); ++i) ASSERT_TRUE(std::isfinite(good->params()[i]));
}

std::vector<double> metric_losses(const std::string& path) { return read_metrics_log(path, {"loss"})["loss"].value; }

TEST(Pretrain, TwoProcessesEqualOneWithTwiceTheAccumulation) {
  std::string data = testing::make_byte_shards("pretrain/mpi", 400);
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
