// `rm data`, `rm train` and `rm score` end to end on a tiny random chat model: the
// data has ranked lists and pairs, training measures held-out accuracy and the
// length baseline and writes a reward model that `rm score` and `rl grpo
// --reward-model` read; a preference file with a missing field fails naming its line.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "../infer/tiny_model.h"
#include "../test_util.h"

namespace llmforge {
namespace fs = std::filesystem;
namespace {

std::string setup() {
  const std::string d = testing::temp_dir("rm_cli");
  fs::remove_all(d);
  testing::tiny_model_dir(d + "/chat");
  fs::create_directories(d + "/world");
  std::ofstream w(d + "/world/people.jsonl");
  const char* names[] = {"Ada Lind", "Bo Keller", "Cy Moss"};
  const char* cities[] = {"Lisbon", "Oslo", "Lima"};
  for (int i = 0; i < 3; ++i) {
    nlohmann::json a = {{"birth_date", "March " + std::to_string(i + 1) + ", 1975"}, {"birth_city", cities[i]},
                        {"university", std::string(cities[i]) + " University"}, {"field", "economics"},
                        {"employer", "Acme"}, {"employer_city", cities[(i + 1) % 3]}};
    w << nlohmann::json{{"id", i}, {"name", names[i]}, {"split", i ? "qa" : "heldout"}, {"attributes", a}}.dump()
      << "\n";
  }
  return d;
}

TEST(RmCli, DataTrainScoreEndToEnd) {
  const std::string d = setup();
  const std::string bin = testing::llmforge_binary();
  testing::CommandResult r = testing::run_shell(bin + " rm data --model " + d + "/chat --world " + d +
                                                "/world --out " + d + "/prefs --prompts 12 --responses 3 "
                                                "--max-new-tokens 16 --noise 0.1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("12 prompts x 3 responses"), std::string::npos) << r.output;
  std::ifstream ranked(d + "/prefs/ranked.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(ranked, line));
  const nlohmann::json first = nlohmann::json::parse(line);
  EXPECT_EQ(first["responses"].size(), 3u);
  EXPECT_EQ(first["gold"].size(), 3u);

  r = testing::run_shell(bin + " rm train --model " + d + "/chat --data " + d + "/prefs/ranked.jsonl --out " + d +
                         "/rm --epochs 1 --pairs 4 --micro-pairs 2 --heldout 0.25");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("held-out pair accuracy: before"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("length-only baseline"), std::string::npos) << r.output;
  // rm data's ranked lists carry the gold scores: accuracy against the true preference too.
  EXPECT_NE(r.output.find("against the true preference"), std::string::npos) << r.output;
  ASSERT_TRUE(fs::exists(d + "/rm/model/config.json"));
  std::ifstream cfg(d + "/rm/model/config.json");
  EXPECT_TRUE(nlohmann::json::parse(cfg)["value_head"].get<bool>());
  std::ifstream metrics(d + "/rm/metrics.jsonl");
  bool val = false;
  while (std::getline(metrics, line)) val |= nlohmann::json::parse(line).contains("val_accuracy");
  EXPECT_TRUE(val);

  r = testing::run_shell(bin + " rm score --model " + d + "/rm/model --prompt 'Tell me about Ada Lind.' "
                         "--response 'Ada Lind was born in Lisbon.'");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json scored = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_TRUE(scored["score"].is_number());

  // The reward model as GRPO's reward.
  r = testing::run_shell(bin + " rl grpo --model " + d + "/chat --task " + d + "/prefs/prompts.jsonl --heldout 2 "
                         "--rewards '' --reward-model " + d + "/rm/model --out " + d + "/grpo --steps 1 "
                         "--prompts 2 --group 2 --max-new-tokens 8 --eval-prompts 2");
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream gm(d + "/grpo/metrics.jsonl");
  bool reward = false;
  while (std::getline(gm, line)) reward |= nlohmann::json::parse(line).contains("reward_mean");
  EXPECT_TRUE(reward);

  // PPO against the reward model, the gold score from the world next to the proxy.
  r = testing::run_shell(bin + " rl ppo --model " + d + "/chat --reward-model " + d + "/rm/model --prompts " + d +
                         "/prefs/prompts.jsonl --world " + d + "/world --out " + d + "/ppo --steps 2 "
                         "--prompts-per-step 2 --group 2 --max-new-tokens 8 --micro-batch 2 --ppo-epochs 2");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(d + "/ppo/model/config.json"));
  EXPECT_TRUE(fs::exists(d + "/ppo/model/critic/config.json"));
  std::ifstream pm(d + "/ppo/metrics.jsonl");
  int ppo_steps = 0;
  while (std::getline(pm, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (!j.contains("proxy_score")) continue;
    ++ppo_steps;
    for (const char* k : {"gold_score", "kl", "beta", "value_loss", "explained_variance", "clip_fraction", "entropy",
                          "response_length", "approx_kl"})
      EXPECT_TRUE(j.contains(k)) << k << " missing in " << line;
    // The first update of a step reruns the rollout policy: recorded and recomputed log-probs agree.
    if (ppo_steps == 1) {
      EXPECT_LT(std::fabs(j["kl"].get<double>()), 1e-3) << "actor and reference start equal";
    }
  }
  EXPECT_EQ(ppo_steps, 2);

  // Held-out evaluation: before the first step and after each, fixed samples scored by
  // gold, the reward model and a held-out reward model (here the same one), which
  // picks the best checkpoint; eval.jsonl keeps sample answers.
  r = testing::run_shell(bin + " rl ppo --model " + d + "/chat --reward-model " + d + "/rm/model --prompts " + d +
                         "/prefs/prompts.jsonl --world " + d + "/world --out " + d + "/ppo_eval --steps 2 "
                         "--prompts-per-step 2 --group 2 --max-new-tokens 8 --micro-batch 2 --ppo-epochs 1 "
                         "--eval-prompts " + d + "/prefs/prompts.jsonl --eval-reward-model " + d + "/rm/model "
                         "--eval-every 1 --eval-samples 2 --checkpoint-every 1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("3 held-out evaluations"), std::string::npos) << r.output;
  std::ifstream ev(d + "/ppo_eval/eval.jsonl");
  std::vector<long> eval_steps;
  while (std::getline(ev, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    eval_steps.push_back(j["step"].get<long>());
    EXPECT_EQ(j["samples"].get<long>(), 24);  // every prompt twice
    EXPECT_DOUBLE_EQ(j["proxy"].get<double>(), j["heldout_proxy"].get<double>());
    ASSERT_EQ(j["examples"].size(), 4u);
    std::set<std::string> example_prompts;  // one answer per prompt, not one prompt twice
    for (const auto& e : j["examples"]) example_prompts.insert(e["prompt"].get<std::string>());
    EXPECT_EQ(example_prompts.size(), 4u) << line;
    EXPECT_TRUE(j["examples"][0]["response"].is_string());
    EXPECT_TRUE(j["examples"][0]["gold"].is_number());
    // Before any update the actor is the reference: the sampled tokens' log-ratios vanish.
    if (j["step"] == 0) {
      EXPECT_LT(std::fabs(j["kl"].get<double>()), 1e-3) << line;
    }
  }
  EXPECT_EQ(eval_steps, (std::vector<long>{0, 1, 2}));
  EXPECT_TRUE(fs::exists(d + "/ppo_eval/checkpoints/best"));
  // The proxy and gold of those evaluations against the KL, and a field no line has.
  r = testing::run_shell(bin + " plot --metrics " + d + "/ppo_eval/metrics.jsonl --x kl --keys eval_proxy,eval_gold "
                         "--out " + d + "/ppo_eval/kl.svg");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("(2 points)"), std::string::npos) << r.output;
  std::ifstream svg(d + "/ppo_eval/kl.svg");
  const std::string svg_text((std::istreambuf_iterator<char>(svg)), {});
  EXPECT_NE(svg_text.find("eval_gold"), std::string::npos);
  r = testing::run_shell(bin + " plot --metrics " + d + "/ppo_eval/metrics.jsonl --x kl --keys no_such_field --out " +
                         d + "/ppo_eval/bad.svg");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("no line has both 'no_such_field' and 'kl'"), std::string::npos) << r.output;

  // A checkpointed PPO run resumes bitwise: actor, critic, both optimizers, beta of
  // the adaptive controller and the prompt position.
  const std::string ppo_args = " rl ppo --model " + d + "/chat --reward-model " + d + "/rm/model --prompts " + d +
                               "/prefs/prompts.jsonl --world " + d + "/world --steps 4 --checkpoint-every 2 "
                               "--prompts-per-step 2 --group 2 --max-new-tokens 8 --micro-batch 2 --ppo-epochs 2 "
                               "--kl-target 0.01 --kl-horizon 10 --critic-init sft --lr 1e-3";
  r = testing::run_shell(bin + ppo_args + " --out " + d + "/ppo_a");
  ASSERT_EQ(r.status, 0) << r.output;
  fs::create_directories(d + "/ppo_b/checkpoints");
  fs::copy(d + "/ppo_a/checkpoints/step_00000002", d + "/ppo_b/checkpoints/step_00000002",
           fs::copy_options::recursive);
  std::ofstream(d + "/ppo_b/checkpoints/latest") << "step_00000002\n";
  r = testing::run_shell(bin + ppo_args + " --out " + d + "/ppo_b --resume");
  ASSERT_EQ(r.status, 0) << r.output;
  auto records = [](const std::string& path) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    std::string l;
    while (std::getline(in, l)) {
      nlohmann::json j = nlohmann::json::parse(l);
      if (j.contains("proxy_score")) out.push_back(j);
    }
    return out;
  };
  const auto ra = records(d + "/ppo_a/metrics.jsonl"), rb = records(d + "/ppo_b/metrics.jsonl");
  ASSERT_EQ(ra.size(), 4u);
  ASSERT_EQ(rb.size(), 2u);
  bool beta_moved = false;
  for (size_t i = 0; i < 2; ++i) {
    for (const char* key : {"step", "loss", "grad_norm", "proxy_score", "gold_score", "kl", "beta", "value_loss",
                            "last_update_loss"})
      EXPECT_EQ(ra[2 + i][key], rb[i][key]) << key << " at step " << ra[2 + i]["step"];
    beta_moved |= ra[2 + i]["beta"] != ra[0]["beta"];
  }
  EXPECT_TRUE(beta_moved) << "the adaptive controller never moved beta";
  for (const char* f : {"/model.safetensors", "/critic/model.safetensors"}) {
    std::ifstream fa(d + "/ppo_a/model" + f, std::ios::binary), fb(d + "/ppo_b/model" + f, std::ios::binary);
    const std::string ba((std::istreambuf_iterator<char>(fa)), {}), bb((std::istreambuf_iterator<char>(fb)), {});
    EXPECT_FALSE(ba.empty()) << f;
    EXPECT_TRUE(ba == bb) << f << " differs after resuming";
  }

  // A missing field is an error naming file and line.
  std::ofstream(d + "/bad.jsonl") << R"({"prompt": "p", "chosen": "a", "rejected": "b"})" << "\n"
                                  << R"({"prompt": "p", "rejected": "b"})" << "\n";
  r = testing::run_shell(bin + " rm train --model " + d + "/chat --data " + d + "/bad.jsonl --out " + d + "/rm_bad");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("bad.jsonl:2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("chosen"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace llmforge
