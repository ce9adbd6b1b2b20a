// The shared training loop driven the way an RL stage drives it: a rollout phase
// before each step (sampling from the current weights with the KV-cache engine),
// a loss that combines a reward-filtered policy term (cross-entropy as a
// LogitsGradFn) with a value-head term (dvalues), two optimizer epochs over each
// batch, and extra metrics per step. The policy must learn what the reward asks
// for and the value head must learn to predict the reward.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "../test_util.h"
#include "infer/batch_generator.h"
#include "train/losses.h"
#include "train/metrics_log.h"
#include "train/train_loop.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;

constexpr int kVocab = 16, kPrompt = 2, kNew = 8, kRollouts = 16;
constexpr int32_t kGood = 5;  // the reward is the share of sampled tokens equal to this

// Rollouts queued by the before-step hook; the source hands each step's batch out
// as one micro-batch and refuses to be asked before a rollout.
class RolloutSource : public BatchSource {
 public:
  void push(MicroBatch b) { queued_.push_back(std::move(b)); }
  void next(MicroBatch& out) override {
    if (queued_.empty()) ADD_FAILURE() << "the loop asked for data before the rollout phase";
    out = std::move(queued_.front());
    queued_.erase(queued_.begin());
  }
  CheckpointMeta position() const override { return {}; }
  void restore(const CheckpointMeta&) override {}

 private:
  std::vector<MicroBatch> queued_;
};

struct Rollout {
  MicroBatch batch;
  double mean_reward = 0;
};

// Samples kRollouts continuations of a fixed prompt and lays them out as rows of
// prompt + completion: targets are the sampled tokens, weighted 1 for rollouts
// whose reward beats the batch mean (reward-filtered imitation); aux holds each
// row's reward at every target, for the value head.
Rollout rollout(const Model& model, long step) {
  Rollout r;
  MicroBatch& b = r.batch;
  b.rows = kRollouts, b.t = kPrompt + kNew - 1;
  const std::vector<int32_t> prompt{1, 2};
  std::vector<std::vector<int32_t>> outs;
  std::vector<double> rewards;
  for (int i = 0; i < kRollouts; ++i) {
    SamplerSettings s;
    s.temperature = 1.0;
    s.seed = uint64_t(step) * 1000 + uint64_t(i);
    outs.push_back(generate_tokens(model, prompt, s, kNew));
    EXPECT_EQ(outs.back().size(), size_t(kNew));
    rewards.push_back(double(std::count(outs.back().begin(), outs.back().end(), kGood)) / kNew);
  }
  r.mean_reward = std::accumulate(rewards.begin(), rewards.end(), 0.0) / kRollouts;
  const size_t n = size_t(b.rows) * b.t;
  b.inputs.assign(n, 0);
  b.targets.assign(n, -1);
  b.weights.assign(n, 0.0f);
  b.aux.assign(n, 0.0f);
  for (int i = 0; i < kRollouts; ++i) {
    std::vector<int32_t> seq = prompt;
    seq.insert(seq.end(), outs[i].begin(), outs[i].end());
    const float keep = rewards[i] > r.mean_reward ? 1.0f : 0.0f;
    for (int p = 0; p < b.t; ++p) {
      const size_t at = size_t(i) * b.t + p;
      b.inputs[at] = seq[p];
      b.aux[at] = float(rewards[i]);
      if (p + 1 >= kPrompt) {  // the target is a sampled token
        b.targets[at] = seq[p + 1];
        b.weights[at] = keep;
      }
    }
  }
  b.real_tokens = long(n);
  return r;
}

// A one-layer model over the test vocabulary.
ModelConfig small_model_config() {
  ModelConfig c;
  c.vocab_size = kVocab, c.dim = 32, c.ffn_dim = 64, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 2;
  c.max_seq_len = 16;
  return c;
}

// `steps` steps at a constant 1e-2 into `out`, without log lines or the GEMM peak.
TrainLoopConfig quiet_loop_config(const std::string& stage, const std::string& out, long steps) {
  TrainLoopConfig lc;
  lc.stage = stage;
  lc.out_dir = out;
  lc.steps = steps;
  lc.schedule = {LrSchedule::Kind::kConstant, 1e-2, 1e-2, 0, steps, 0.2};
  lc.log_interval_s = 1e9;
  lc.quiet = true;
  lc.measure_mfu = false;
  return lc;
}

TEST(TrainLoop, RlHooksRolloutEpochsValueLossAndMetrics) {
  ModelConfig c = small_model_config();
  c.value_head = true;
  Model model(c);
  model.init_random(3);

  const std::string out = testing::temp_dir("train/rl_loop");
  fs::remove_all(out);
  TrainLoopConfig lc = quiet_loop_config("rl-test", out, 12);
  lc.updates_per_step = 2;
  lc.adamw.weight_decay = 0;
  Distributed dist;
  TrainLoop loop(lc, dist);
  RolloutSource source;
  loop.attach(model, source);

  std::vector<long> rollout_steps;
  std::vector<double> rewards, value_errors;
  double step_reward = 0;
  int loss_calls = 0;
  TrainHooks hooks;
  hooks.before_step = [&](long step, Model& m) {
    rollout_steps.push_back(step);
    Rollout r = rollout(m, step);
    step_reward = r.mean_reward;
    rewards.push_back(r.mean_reward);
    source.push(std::move(r.batch));
  };
  // Policy: reward-filtered cross-entropy through the LM head. Value: 0.5 (v - R)^2
  // at every target position, through dvalues. One Model::backward for both.
  double value_sse = 0;
  hooks.loss = [&](Model& m, const MicroBatch& b, double grad_scale) {
    ++loss_calls;
    const float* v = m.values();
    EXPECT_NE(v, nullptr);
    std::vector<float> dvalues(b.inputs.size(), 0.0f);
    double sse = 0;
    for (size_t i = 0; i < dvalues.size(); ++i) {
      if (b.targets[i] < 0) continue;
      const double err = double(v[i]) - b.aux[i];
      sse += err * err;
      dvalues[i] = float(grad_scale * err);
    }
    double ce = 0;
    m.backward(cross_entropy_logits_grad(m, b.targets.data(), b.weights_or_null(), grad_scale, ce),
               dvalues.data());
    value_sse = sse;
    return ce + 0.5 * sse;
  };
  hooks.step_metrics = [&](long, const StepStats&, nlohmann::json& record) {
    record["reward"] = step_reward;
    record["value_mse"] = value_sse / (kRollouts * kNew);
    value_errors.push_back(value_sse / (kRollouts * kNew));
  };
  TrainResult r = loop.run(hooks);

  EXPECT_FALSE(r.stopped_non_finite);
  EXPECT_EQ(r.steps_done, 12);
  std::vector<long> expected(12);
  std::iota(expected.begin(), expected.end(), 1L);
  EXPECT_EQ(rollout_steps, expected) << "one rollout before each step";
  EXPECT_EQ(loss_calls, 24) << "two optimizer epochs over each step's one micro-batch";
  EXPECT_EQ(loop.optimizer().step_count(), 24);

  // The policy learns to emit the rewarded token; the value head tracks the reward.
  const double early = (rewards[0] + rewards[1]) / 2, late = (rewards[10] + rewards[11]) / 2;
  EXPECT_GT(late, early + 0.25) << "reward " << early << " -> " << late;
  const double last_errors = (value_errors[9] + value_errors[10] + value_errors[11]) / 3;
  EXPECT_LT(last_errors, 0.5 * value_errors.front()) << "value head squared error";

  // Every step's record carries the stage's own metrics next to the loop's.
  auto log =
      read_metrics_log(out + "/metrics.jsonl", {"reward", "value_mse", "last_update_loss", "loss"});
  EXPECT_EQ(log["reward"].value.size(), 12u);
  EXPECT_EQ(log["reward"].value.back(), rewards.back());
  EXPECT_EQ(log["last_update_loss"].value.size(), 12u);
  EXPECT_TRUE(fs::exists(out + "/model/model.safetensors"));
  EXPECT_TRUE(fs::exists(out + "/checkpoints/step_00000012"));
}

// One fixed micro-batch, every time: a pattern the model learns to copy.
class FixedSource : public BatchSource {
 public:
  void next(MicroBatch& out) override {
    out.rows = 1, out.t = 8;
    out.inputs = {1, 2, 3, 4, 1, 2, 3, 4};
    out.targets = {2, 3, 4, 1, 2, 3, 4, 1};
    out.weights.clear();
    out.real_tokens = 8;
    ++handed_out;
  }
  CheckpointMeta position() const override { return {{"fixed.handed_out", std::to_string(handed_out)}}; }
  void restore(const CheckpointMeta& meta) override { handed_out = std::stol(meta.at("fixed.handed_out")); }
  long handed_out = 0;
};

// An evaluation that says the goal is met ends the run at that step: the step's
// record says so, its checkpoint and the final model are written, and a resumed
// run takes no further step.
TEST(TrainLoop, AnEvaluationThatMeetsTheGoalEndsTheRunAndItsResume) {
  const ModelConfig c = small_model_config();
  const std::string out = testing::temp_dir("train/goal_stop");
  fs::remove_all(out);
  TrainLoopConfig lc = quiet_loop_config("goal-test", out, 40);
  lc.eval_every = 2;
  lc.show_progress = false;
  std::vector<long> evaluated;
  long steps_run = 0;
  TrainHooks hooks;
  hooks.after_step = [&](long, const StepStats&) { ++steps_run; };
  // The goal: the loss of the fixed batch under 1.0, checked every two steps.
  hooks.evaluate = [&](Model& m) {
    FixedSource probe;
    MicroBatch b;
    probe.next(b);
    m.forward(b.inputs.data(), b.rows, b.t);
    EvalResult e;
    e.loss = cross_entropy_eval(m, b.targets.data(), nullptr) / 8;
    e.metrics["probe_loss"] = e.loss;
    e.stop = e.loss < 1.0;
    return e;
  };
  auto evaluate = hooks.evaluate;
  hooks.evaluate = [&](Model& m) {
    evaluated.push_back(steps_run + 1);  // evaluation comes before after_step
    return evaluate(m);
  };

  Distributed dist;
  Model model(c);
  model.init_random(5);
  TrainLoop loop(lc, dist);
  FixedSource source;
  loop.attach(model, source);
  TrainResult r = loop.run(hooks);
  ASSERT_TRUE(r.stopped_at_goal);
  ASSERT_LT(r.steps_done, 40) << "the fixed batch never got below loss 1.0";
  EXPECT_EQ(r.steps_done, evaluated.back());
  EXPECT_EQ(r.steps_done % 2, 0) << "stops only where it evaluates";
  EXPECT_LT(r.val_loss, 1.0);
  EXPECT_TRUE(fs::exists(out + "/model/model.safetensors"));
  char step_dir[32];
  std::snprintf(step_dir, sizeof step_dir, "/checkpoints/step_%08ld", r.steps_done);
  EXPECT_TRUE(fs::exists(out + step_dir));
  std::vector<long> goal_steps;
  std::ifstream metrics(out + "/metrics.jsonl");
  for (std::string line; std::getline(metrics, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.value("goal_met", false)) goal_steps.push_back(j["step"].get<long>());
  }
  EXPECT_EQ(goal_steps, std::vector<long>{r.steps_done});

  // Resumed: the checkpoint is where the goal was met, so no step runs.
  const long stopped_at = r.steps_done;
  lc.resume = true;
  steps_run = 0;
  Model again(c);
  again.init_random(9);
  TrainLoop resumed(lc, dist);
  ASSERT_FALSE(resumed.resume_dir().empty());
  FixedSource source2;
  resumed.attach(again, source2);
  TrainResult r2 = resumed.run(hooks);
  EXPECT_TRUE(r2.stopped_at_goal);
  EXPECT_EQ(r2.steps_done, stopped_at);
  EXPECT_EQ(steps_run, 0);
  EXPECT_EQ(source2.handed_out, source.handed_out);
}

}  // namespace
}  // namespace llmforge
