// PPO's estimators against PyTorch: tests/reference/torch_ppo.py computes TRL's
// per-token rewards, GAE, whitening, clipped surrogate and clipped value loss with
// padded tensors and autograd in float64; ours must agree within 1e-5 (normalised
// error for tensors, relative for losses), and the inputs must reach both clips.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "core/rng.h"
#include "model/safetensors.h"
#include "rl/ppo_loss.h"

namespace llmforge {
namespace {

struct Case {
  double beta, gamma, lam, epsilon, clip_v;
  double kl_target, kl_horizon, kl_init, kl_value;
  int kl_steps;
};

struct Inputs {
  std::vector<int> lengths;
  std::vector<float> lengths_f, scores, logp, ref_logp, old_logp, values, new_values;
};

Inputs make_inputs(uint64_t seed) {
  Inputs in;
  Rng rng(seed);
  const int S = 5 + int(rng.below(4));
  for (int s = 0; s < S; ++s) {
    in.lengths.push_back(1 + int(rng.below(9)));
    in.lengths_f.push_back(float(in.lengths.back()));
    in.scores.push_back(float(rng.normal() * 2));
  }
  for (int l : in.lengths)
    for (int t = 0; t < l; ++t) {
      const float lp = float(-0.1 - 3 * rng.uniform());
      in.logp.push_back(lp);
      in.old_logp.push_back(lp + float(rng.normal() * 0.3));  // ratios on both sides of the clip
      in.ref_logp.push_back(lp + float(rng.normal() * 0.5));
      const float v = float(rng.normal());
      in.values.push_back(v);
      in.new_values.push_back(v + float(rng.normal() * 0.4));  // some beyond the value clip
    }
  return in;
}

struct Ours {
  std::vector<float> rewards, advantages, returns, whitened, dlogp, dvalues;
  double pg_loss = 0, vf_loss = 0, clipfrac = 0, vf_clipfrac = 0, ev = 0, beta = 0;
};

Ours compute(const Case& c, const Inputs& in) {
  Ours o;
  const long n = long(in.logp.size());
  o.rewards = ppo_token_rewards(in.lengths, in.scores, in.old_logp.data(), in.ref_logp.data(), c.beta);
  o.advantages.resize(size_t(n)), o.returns.resize(size_t(n));
  gae(in.lengths, o.rewards.data(), in.values.data(), c.gamma, c.lam, o.advantages.data(), o.returns.data());
  o.whitened = o.advantages;
  whiten(o.whitened.data(), n);
  o.dlogp.resize(size_t(n)), o.dvalues.resize(size_t(n));
  PpoLossStats ps;
  o.pg_loss = ppo_policy_loss(in.logp.data(), in.old_logp.data(), o.whitened.data(), n, c.epsilon, o.dlogp.data(), &ps);
  ValueLossStats vs;
  o.vf_loss = ppo_value_loss(in.new_values.data(), in.values.data(), o.returns.data(), n, c.clip_v, o.dvalues.data(), &vs);
  o.clipfrac = ps.clipped / ps.tokens;
  o.vf_clipfrac = vs.clipped / vs.tokens;
  o.ev = explained_variance(in.values.data(), o.returns.data(), n);
  AdaptiveKlController kl(c.kl_init, c.kl_target, c.kl_horizon);
  for (int i = 0; i < c.kl_steps; ++i) kl.update(c.kl_value, 1.0);
  o.beta = kl.beta();
  return o;
}

TEST(PpoLoss, MatchesPyTorch) {
  const std::vector<Case> cases = {
      {0.05, 1.0, 0.95, 0.2, 0.2, 6.0, 100.0, 0.2, 9.0, 3},   // TRL defaults, KL above target
      {0.0, 0.99, 0.9, 0.1, 0.5, 6.0, 10.0, 0.1, 2.0, 5},     // no KL, discounting, KL below target
      {0.2, 0.9, 1.0, 0.3, 0.1, 1.0, 1000.0, 0.05, 1.05, 2},  // Monte-Carlo returns (lambda 1)
      {0.1, 1.0, 0.0, 0.2, 0.2, 6.0, 100.0, 0.2, 6.0, 1},     // one-step TD (lambda 0)
  };
  const std::string dir = testing::temp_dir("ppo_loss");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  nlohmann::json list = nlohmann::json::array();
  std::vector<Inputs> inputs;
  std::vector<Ours> ours;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    inputs.push_back(make_inputs(300 + i));
    const Inputs& in = inputs.back();
    ours.push_back(compute(c, in));
    const int64_t S = int64_t(in.lengths.size()), N = int64_t(in.logp.size());
    save_safetensors(dir + "/case_" + std::to_string(i) + ".safetensors",
                     {{"lengths", {S}, in.lengths_f.data()},
                      {"scores", {S}, in.scores.data()},
                      {"logp", {N}, in.logp.data()},
                      {"ref_logp", {N}, in.ref_logp.data()},
                      {"old_logp", {N}, in.old_logp.data()},
                      {"values", {N}, in.values.data()},
                      {"new_values", {N}, in.new_values.data()}});
    list.push_back({{"beta", c.beta}, {"gamma", c.gamma}, {"lam", c.lam}, {"epsilon", c.epsilon},
                    {"cliprange_value", c.clip_v}, {"kl_target", c.kl_target}, {"kl_horizon", c.kl_horizon},
                    {"kl_init", c.kl_init}, {"kl_value", c.kl_value}, {"kl_steps", c.kl_steps}});
  }
  std::ofstream(dir + "/cases.json") << list.dump(1);
  const std::string cmd =
      std::string(LLMFORGE_PYTHON) + " " + LLMFORGE_SOURCE_DIR + "/tests/reference/torch_ppo.py " + dir;
  testing::CommandResult r = testing::run_shell(cmd);
  ASSERT_EQ(r.status, 0) << cmd << "\n" << r.output;

  bool policy_clipped = false, value_clipped = false;
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    SafetensorsFile ref = SafetensorsFile::load(dir + "/ref_" + std::to_string(i) + ".safetensors");
    const Ours& o = ours[i];
    auto tensor = [&](const char* name, const std::vector<float>& mine) {
      std::vector<float> v(mine.size());
      ref.read_f32(name, v.data(), v.size());
      EXPECT_LE(testing::normalized_error(mine.data(), v.data(), v.size()), 1e-5) << name;
    };
    auto scalar = [&](const char* name, double mine, double floor) {
      float v = 0;
      ref.read_f32(name, &v, 1);
      EXPECT_LE(std::fabs(mine - v) / std::max(floor, std::fabs(double(v))), 1e-5)
          << name << " " << mine << " reference " << v;
    };
    tensor("rewards", o.rewards);
    tensor("advantages", o.advantages);
    tensor("returns", o.returns);
    tensor("whitened", o.whitened);
    tensor("dlogp", o.dlogp);
    tensor("dvalues", o.dvalues);
    scalar("pg_loss", o.pg_loss, 1e-3);
    scalar("vf_loss", o.vf_loss, 1e-3);
    scalar("clipfrac", o.clipfrac, 1e-3);
    scalar("vf_clipfrac", o.vf_clipfrac, 1e-3);
    scalar("explained_variance", o.ev, 1e-3);
    scalar("kl_beta", o.beta, 1e-3);
    policy_clipped |= o.clipfrac > 0;
    value_clipped |= o.vf_clipfrac > 0;
  }
  EXPECT_TRUE(policy_clipped) << "no input reached the policy clip";
  EXPECT_TRUE(value_clipped) << "no input reached the value clip";
}

TEST(PpoLoss, AdaptiveKlMovesBetaTowardTheTarget) {
  AdaptiveKlController up(0.1, 6.0, 100.0), down(0.1, 6.0, 100.0), fixed(0.1, 0.0, 100.0);
  up.update(12.0, 10);   // KL too high: beta grows (error clamped to 0.2)
  down.update(1.0, 10);  // too low: beta shrinks
  fixed.update(12.0, 10);
  EXPECT_NEAR(up.beta(), 0.1 * (1 + 0.2 * 10 / 100.0), 1e-12);
  EXPECT_NEAR(down.beta(), 0.1 * (1 - 0.2 * 10 / 100.0), 1e-12);
  EXPECT_EQ(fixed.beta(), 0.1);
}

}  // namespace
}  // namespace llmforge
