// The GRPO loss against PyTorch: tests/reference/torch_grpo.py computes the loss of
// TRL's formulas with autograd in float64 for every loss type x importance level x
// reward scaling x option set (KL with beta, two-sided delta, clip-higher,
// temperature); loss, d(loss)/d(logits), advantages and clip fractions must agree
// within 1e-5 (normalised error for tensors, relative for the loss).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "core/rng.h"
#include "model/safetensors.h"
#include "rl/grpo_loss.h"

namespace llmforge {
namespace {

struct Case {
  GrpoLossConfig cfg;
  RewardScaling scaling = RewardScaling::kGroup;
  int group_size = 4, groups = 3, vocab = 37, n_micro = 2;
  std::string name;
};

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (GrpoLossType lt : {GrpoLossType::kGrpo, GrpoLossType::kBnpo, GrpoLossType::kDapo, GrpoLossType::kDrGrpo})
    for (ImportanceLevel il : {ImportanceLevel::kToken, ImportanceLevel::kSequence})
      for (RewardScaling sc : {RewardScaling::kGroup, RewardScaling::kBatch, RewardScaling::kNone})
        for (int opt = 0; opt < 3; ++opt) {
          Case c;
          c.cfg.loss_type = lt;
          c.cfg.importance = il;
          c.scaling = sc;
          c.cfg.max_completion_length = 16;
          if (opt == 1) c.cfg.beta = 0.04, c.cfg.delta = 1.5;  // KL and two-sided clipping
          if (opt == 2) c.cfg.epsilon_high = 0.28, c.cfg.temperature = 0.7;  // clip-higher
          c.name = std::string(loss_type_name(lt)) + "/" + importance_level_name(il) + "/" +
                   reward_scaling_name(sc) + "/" + (opt == 0 ? "defaults" : opt == 1 ? "beta+delta" : "clip_higher+T");
          out.push_back(c);
        }
  return out;
}

struct Inputs {
  std::vector<float> logits, targets_f, old_logp, ref_logp, rewards_f, start_f, length_f, micro_f;
  std::vector<int32_t> targets;
  std::vector<GrpoSequence> seqs;
  std::vector<double> rewards;
};

// Sequences of 1..12 tokens with a gap of non-completion rows between them (the
// prompt rows of a real batch); old and reference log-probs near the current ones
// so that every clipping region is visited; one group of equal rewards.
Inputs make_inputs(const Case& c, const std::vector<float>& logp_of, uint64_t seed, bool first_pass) {
  Inputs in;
  Rng rng(seed);
  const int S = c.groups * c.group_size;
  long pos = 0;
  for (int i = 0; i < S; ++i) {
    pos += 1 + long(rng.below(3));
    GrpoSequence s;
    s.start = pos;
    s.length = 1 + int(rng.below(12));
    s.micro_batch = i % c.n_micro;
    pos += s.length;
    in.seqs.push_back(s);
    in.rewards.push_back(i / c.group_size == 1 ? 1.0 : double(rng.below(3)) * 0.5);
  }
  const long N = pos + 2;
  in.logits = testing::random_vector(size_t(N) * c.vocab, seed + 1, 2.0f);
  in.targets.assign(size_t(N), -1);
  for (const GrpoSequence& s : in.seqs)
    for (int t = 0; t < s.length; ++t) in.targets[size_t(s.start + t)] = int32_t(rng.below(c.vocab));
  in.old_logp.assign(size_t(N), 0.0f);
  in.ref_logp.assign(size_t(N), 0.0f);
  if (!first_pass) {
    for (const GrpoSequence& s : in.seqs) {
      const double shift = rng.normal() * 0.2;
      for (int t = 0; t < s.length; ++t) {
        const size_t k = size_t(s.start + t);
        in.old_logp[k] = float(logp_of[k] + shift + rng.normal() * 0.25);
        in.ref_logp[k] = float(logp_of[k] + rng.normal() * 0.3);
      }
    }
  }
  for (int32_t t : in.targets) in.targets_f.push_back(float(t));
  for (double r : in.rewards) in.rewards_f.push_back(float(r));
  for (const GrpoSequence& s : in.seqs) {
    in.start_f.push_back(float(s.start));
    in.length_f.push_back(float(s.length));
    in.micro_f.push_back(float(s.micro_batch));
  }
  return in;
}

struct Ours {
  double loss = 0;
  std::vector<float> dlogits, advantages;
  GrpoStats stats;
};

Ours compute(const Case& c, Inputs& in) {
  Ours o;
  const int N = int(in.targets.size());
  in.rewards_f.clear();
  for (double r : in.rewards) in.rewards_f.push_back(float(r));
  o.advantages = group_advantages(in.rewards, c.group_size, c.scaling);
  for (size_t i = 0; i < in.seqs.size(); ++i) in.seqs[i].advantage = o.advantages[i];
  std::vector<double> coef = grpo_sequence_coefficients(c.cfg, in.seqs, c.n_micro);
  std::vector<float> logp(in.targets.size()), dlogp(in.targets.size(), 0.0f);
  token_logprobs(in.logits.data(), in.targets.data(), N, c.vocab, c.cfg.temperature, logp.data());
  o.loss = grpo_policy_loss(c.cfg, in.seqs, coef, logp.data(), in.old_logp.data(),
                            c.cfg.beta > 0 ? in.ref_logp.data() : nullptr, dlogp.data(), &o.stats);
  o.dlogits = in.logits;
  grpo_logits_backward(o.dlogits.data(), in.targets.data(), dlogp.data(), N, c.vocab,
                       c.cfg.temperature, &o.stats);
  return o;
}

TEST(GrpoLoss, MatchesPyTorchForEveryLossTypeAndOption) {
  const std::string dir = testing::temp_dir("rl/grpo_loss");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<Case> cases = all_cases();
  std::vector<Inputs> inputs;
  std::vector<Ours> ours;
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    // The current log-probs first, so old/ref can be placed around them.
    Inputs probe = make_inputs(c, {}, 100 + i, true);
    std::vector<float> logp(probe.targets.size());
    token_logprobs(probe.logits.data(), probe.targets.data(), int(logp.size()), c.vocab,
                   c.cfg.temperature, logp.data());
    inputs.push_back(make_inputs(c, logp, 100 + i, false));
    Inputs& in = inputs.back();
    ours.push_back(compute(c, in));
    const int64_t N = int64_t(in.targets.size()), S = int64_t(in.seqs.size());
    save_safetensors(dir + "/case_" + std::to_string(i) + ".safetensors",
                     {{"logits", {N, c.vocab}, in.logits.data()},
                      {"targets", {N}, in.targets_f.data()},
                      {"old_logp", {N}, in.old_logp.data()},
                      {"ref_logp", {N}, in.ref_logp.data()},
                      {"rewards", {S}, in.rewards_f.data()},
                      {"seq_start", {S}, in.start_f.data()},
                      {"seq_length", {S}, in.length_f.data()},
                      {"seq_micro", {S}, in.micro_f.data()}});
    list.push_back({{"name", c.name},
                    {"loss_type", loss_type_name(c.cfg.loss_type)},
                    {"importance", importance_level_name(c.cfg.importance)},
                    {"scaling", reward_scaling_name(c.scaling)},
                    {"epsilon_low", c.cfg.epsilon_low},
                    {"epsilon_high", c.cfg.epsilon_high},
                    {"delta", c.cfg.delta},
                    {"beta", c.cfg.beta},
                    {"max_completion_length", c.cfg.max_completion_length},
                    {"temperature", c.cfg.temperature},
                    {"group_size", c.group_size},
                    {"n_micro", c.n_micro}});
  }
  std::ofstream(dir + "/cases.json") << list.dump(1);
  const std::string cmd = std::string(LLMFORGE_PYTHON) + " " + LLMFORGE_SOURCE_DIR +
                          "/tests/reference/torch_grpo.py " + dir;
  testing::CommandResult r = testing::run_shell(cmd);
  ASSERT_EQ(r.status, 0) << cmd << "\n" << r.output;

  double worst_loss = 0, worst_grad = 0;
  bool clipped_low = false, clipped_high = false;
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    SafetensorsFile ref = SafetensorsFile::load(dir + "/ref_" + std::to_string(i) + ".safetensors");
    const Ours& o = ours[i];
    auto read = [&](const char* name, size_t n) {
      std::vector<float> v(n);
      ref.read_f32(name, v.data(), n);
      return v;
    };
    const float ref_loss = read("loss", 1)[0];
    const double loss_err = std::fabs(o.loss - ref_loss) / std::max(1e-3, std::fabs(double(ref_loss)));
    const std::vector<float> dref = read("dlogits", o.dlogits.size());
    const double grad_err = testing::normalized_error(o.dlogits.data(), dref.data(), dref.size());
    const std::vector<float> aref = read("advantages", o.advantages.size());
    const double adv_err = testing::normalized_error(o.advantages.data(), aref.data(), aref.size());
    EXPECT_LE(loss_err, 1e-5) << "loss " << o.loss << " reference " << ref_loss;
    EXPECT_LE(grad_err, 1e-5) << "d(loss)/d(logits)";
    EXPECT_LE(adv_err, 1e-5) << "advantages";
    EXPECT_NEAR(o.stats.clipped_low / o.stats.tokens, read("clip_low", 1)[0], 1e-6);
    EXPECT_NEAR(o.stats.clipped_high / o.stats.tokens, read("clip_high", 1)[0], 1e-6);
    clipped_low |= o.stats.clipped_low > 0;
    clipped_high |= o.stats.clipped_high > 0;
    worst_loss = std::max(worst_loss, loss_err);
    worst_grad = std::max(worst_grad, grad_err);
  }
  std::printf("%zu cases: worst loss error %.2e, worst d(loss)/d(logits) error %.2e\n", cases.size(),
              worst_loss, worst_grad);
  // The inputs reach both clipping regions, or the comparison would miss them.
  EXPECT_TRUE(clipped_low);
  EXPECT_TRUE(clipped_high);
}

TEST(GrpoLoss, AdvantagesAreZeroForGroupsOfEqualRewards) {
  std::vector<uint8_t> zero;
  std::vector<float> a = group_advantages({1, 1, 1, 0, 1, 0}, 3, RewardScaling::kGroup, &zero);
  EXPECT_EQ(a[0], 0.0f);
  EXPECT_EQ(zero, (std::vector<uint8_t>{1, 1, 1, 0, 0, 0}));
  EXPECT_GT(a[4], 0.0f);
  EXPECT_LT(a[3], 0.0f);
  EXPECT_THROW(group_advantages({1, 2, 3}, 2, RewardScaling::kGroup), std::exception);
}

TEST(GrpoLoss, ConfigValidationNamesTheField) {
  GrpoLossConfig c;
  c.delta = 1.1;  // not above 1 + epsilon_high
  try {
    c.validate();
    FAIL() << "accepted delta 1.1";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("delta"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_loss_type("ppo"), std::exception);
  EXPECT_EQ(parse_loss_type("dr_grpo"), GrpoLossType::kDrGrpo);
}

}  // namespace
}  // namespace llmforge
