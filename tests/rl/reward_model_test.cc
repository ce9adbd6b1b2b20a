// The reward model: its Bradley-Terry loss and every parameter's gradient against
// PyTorch (tests/reference/torch_rm.py, the model of torch_llama.py) within 1e-5,
// with pairs of different lengths padded in one micro-batch; a reward model made
// from a chat model keeps its weights; scores read the last token.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "../test_util.h"
#include "core/error.h"
#include "core/rng.h"
#include "model/model_io.h"
#include "model/safetensors.h"
#include "rl/reward_model.h"

namespace llmforge {
namespace {

ModelConfig tiny_config() {
  ModelConfig c;
  c.vocab_size = 50, c.dim = 32, c.ffn_dim = 40, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2;
  c.max_seq_len = 24, c.tie_embeddings = true;
  return c;
}

std::vector<int32_t> random_tokens(Rng& rng, int n, int vocab) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto& x : t) x = int32_t(rng.below(uint64_t(vocab)));
  return t;
}

TEST(RewardModel, LossAndGradientsMatchPyTorch) {
  const std::string dir = testing::temp_dir("reward_model");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Model chat(tiny_config());
  chat.init_random(77, 0.1f);
  std::unique_ptr<Model> rm = reward_model_from(chat, 5, 0.3f);
  save_model(*rm, dir + "/model");

  Rng rng(3);
  std::vector<std::vector<int32_t>> seqs;
  const int lengths[] = {9, 14, 20, 6, 11, 11};  // three pairs, padded to 20
  for (int l : lengths) seqs.push_back(random_tokens(rng, l, 50));
  std::vector<const std::vector<int32_t>*> chosen, rejected;
  for (size_t i = 0; i < seqs.size(); i += 2) chosen.push_back(&seqs[i]), rejected.push_back(&seqs[i + 1]);
  const MicroBatch b = build_rm_micro_batch(chosen, rejected);
  ASSERT_EQ(b.rows, 6);
  ASSERT_EQ(b.t, 20);
  EXPECT_EQ(b.weight_sum(), 3.0);  // the loop's weight: one per pair

  std::vector<float> tokens_f(b.inputs.begin(), b.inputs.end()), last(b.aux);
  save_safetensors(dir + "/inputs.safetensors",
                   {{"tokens", {b.rows, b.t}, tokens_f.data()}, {"last", {b.rows}, last.data()}});
  const std::string cmd = std::string(LLMFORGE_PYTHON) + " " + LLMFORGE_SOURCE_DIR + "/tests/reference/torch_rm.py " +
                          dir + "/model " + dir + "/inputs.safetensors " + dir + "/ref.safetensors";
  testing::CommandResult r = testing::run_shell(cmd);
  ASSERT_EQ(r.status, 0) << cmd << "\n" << r.output;

  rm->zero_grad();
  rm->forward(b.inputs.data(), b.rows, b.t);
  RmStats stats;
  const double loss = rm_micro_batch_backward(*rm, b, 1.0 / 3.0, &stats) / 3.0;
  SafetensorsFile ref = SafetensorsFile::load(dir + "/ref.safetensors");
  float ref_loss = 0;
  ref.read_f32("loss", &ref_loss, 1);
  EXPECT_LE(std::fabs(loss - ref_loss) / std::fabs(ref_loss), 1e-5) << loss << " reference " << ref_loss;
  EXPECT_EQ(stats.pairs, 3.0);

  std::vector<float> ref_rewards(6);
  ref.read_f32("rewards", ref_rewards.data(), 6);
  const std::vector<float> scores = score_sequences(*rm, seqs, 4);  // other batching, other padding
  EXPECT_LE(testing::normalized_error(scores.data(), ref_rewards.data(), 6), 1e-5);

  double worst = 0;
  for (const ParamInfo& p : rm->layout().params()) {
    std::vector<float> g(p.size);
    ref.read_f32("grad." + p.name, g.data(), p.size);
    const double e = testing::normalized_error(rm->grads() + p.offset, g.data(), p.size);
    EXPECT_LE(e, 1e-5) << "gradient of " << p.name;
    worst = std::max(worst, e);
  }
  std::printf("loss %.6f (reference %.6f), worst gradient error %.2e\n", loss, ref_loss, worst);
}

TEST(RewardModel, InitialisedFromTheChatModel) {
  Model chat(tiny_config());
  chat.init_random(9, 0.05f);
  std::unique_ptr<Model> rm = reward_model_from(chat, 1);
  ASSERT_TRUE(rm->config().value_head);
  for (const ParamInfo& p : chat.layout().params()) {
    const float* a = chat.params() + p.offset;
    const float* c = rm->param(p.name);
    for (size_t i = 0; i < p.size; ++i) ASSERT_EQ(a[i], c[i]) << p.name;
  }
  EXPECT_THROW(reward_model_from(*rm, 1), Error);  // already a reward model
  EXPECT_THROW(score_sequences(chat, {{1, 2}}), Error);  // no value head
}

TEST(RewardModel, BradleyTerryIsStableAndCountsAccuracy) {
  const float c[] = {50.0f, -50.0f, 1.0f}, rj[] = {-50.0f, 50.0f, 1.0f};
  float dc[3], dr[3];
  double correct = 0;
  const double loss = bradley_terry(c, rj, 3, dc, dr, &correct);
  EXPECT_NEAR(loss, 0.0 + 100.0 + std::log(2.0), 1e-9);
  EXPECT_EQ(correct, 1.5);  // one right, one wrong, one tie
  EXPECT_NEAR(dc[2], -0.5, 1e-7);
  EXPECT_NEAR(dr[2], 0.5, 1e-7);
}

}  // namespace
}  // namespace llmforge
