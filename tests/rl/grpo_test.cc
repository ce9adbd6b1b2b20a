// `rl grpo` end to end on a tiny random model: the run writes its metrics, held-out
// evaluations, transcripts and model; a reward the policy can raise goes up; a
// checkpointed run resumes bitwise; a throwing reward and an over-long prompt are
// reported by name; the arithmetic single-step probe.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../infer/tiny_model.h"
#include "../test_util.h"
#include "model/model_io.h"
#include "rl/arithmetic_probe.h"
#include "rl/grpo.h"

namespace llmforge {
namespace fs = std::filesystem;
namespace {

// ctest runs every test in its own process, two at a time: files shared by the tests
// live in a folder of the running test's own, so one test never removes what another
// is reading.
std::string own_dir() {
  const std::string dir = testing::test_temp_dir("rl/own");
  fs::create_directories(dir);
  return dir;
}

std::string model_dir() {
  static std::string dir = [] {
    std::string d = own_dir() + "/model";
    fs::remove_all(d);
    Tokenizer tok = testing::train_tiny_tokenizer();
    ModelConfig c = testing::tiny_config(int(tok.vocab_size()));
    c.max_seq_len = 48;
    Model m(c);
    m.init_random(7, 0.05f);
    fs::create_directories(d);
    save_model(m, d);
    tok.save_tokenizer_json(d + "/tokenizer.json");
    return d;
  }();
  return dir;
}

std::string task_file(bool with_long_prompt) {
  const std::string path = own_dir() + (with_long_prompt ? "/task_long.jsonl" : "/task.jsonl");
  std::ofstream out(path);
  const char* words[] = {"the cat", "a mat", "hello world", "the model", "writes text", "reads tokens"};
  for (int i = 0; i < 16; ++i)
    out << nlohmann::json{{"prompt", std::string(words[i % 6]) + " " + std::to_string(i)}, {"answer", "cat"}, {"check", "phrase"}}.dump()
        << "\n";
  if (with_long_prompt) {
    std::string lng;
    for (int i = 0; i < 60; ++i) lng += "the model reads tokens ";
    out << nlohmann::json{{"prompt", lng}, {"answer", "x"}}.dump() << "\n";
  }
  return path;
}

// A reward the policy can learn: the share of the response's bytes that are 'e'.
WeightedReward e_share() {
  return {"e_share", 1.0, [](const ScoredResponse& r) {
            if (r.text.empty()) return 0.0;
            return double(std::count(r.text.begin(), r.text.end(), 'e')) / double(r.text.size());
          }};
}

GrpoConfig config(const std::string& out) {
  GrpoConfig c;
  c.model_dir = model_dir();
  c.task = task_file(false);
  c.heldout = 4;
  c.rewards = "correctness=1";
  c.custom_rewards = {e_share()};
  c.out_dir = out;
  c.steps = 4;
  c.prompts_per_step = 2;
  c.samples_per_prompt = 4;
  c.max_new_tokens = 8;
  c.micro_batch = 3;  // 8 rows in 3 micro-batches
  c.num_iterations = 2;
  c.loss.max_completion_length = 8;
  c.schedule = {LrSchedule::Kind::kConstant, 3e-3, 3e-3, 0, 1, 0.2};
  c.eval_every = 2;
  c.eval_samples = 4;
  c.checkpoint_every = 2;
  c.quiet = true;
  c.log_interval_s = 1e9;
  return c;
}

std::vector<nlohmann::json> records(const std::string& out) {
  std::vector<nlohmann::json> r;
  std::ifstream in(out + "/metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) r.push_back(nlohmann::json::parse(line));
  return r;
}

TEST(Grpo, RunsAndMeasuresEveryStep) {
  const std::string out = testing::temp_dir("rl/run");
  fs::remove_all(out);
  GrpoConfig c = config(out);
  c.loss.beta = 0.04;  // a reference model and the KL metric
  GrpoSummary s = run_grpo(c);
  EXPECT_EQ(s.steps_done, 4);
  ASSERT_FALSE(s.model_dir.empty());
  EXPECT_TRUE(fs::exists(s.model_dir + "/tokenizer.json"));
  EXPECT_EQ(s.train_items, 12);
  EXPECT_EQ(s.heldout_items, 4);
  EXPECT_EQ(s.before.items, 4);
  EXPECT_EQ(s.before.pass_at_k.back().first, 4);
  EXPECT_GT(s.rollout_tokens_per_s, 0);
  auto recs = records(out);
  ASSERT_EQ(recs.size(), 5u);  // step 0 (the start model's evaluation) and steps 1-4
  EXPECT_EQ(recs[0]["step"], 0);
  EXPECT_TRUE(recs[0].contains("eval_accuracy"));
  for (size_t i = 1; i < recs.size(); ++i) {
    for (const char* key : {"loss", "reward_mean", "reward_std", "accuracy", "response_length_mean",
                            "response_length_max", "think_tokens_mean", "kl", "clip_low", "clip_high",
                            "entropy", "zero_std_groups", "rollout_tokens_per_s", "update_tokens_per_s"})
      EXPECT_TRUE(recs[i].contains(key)) << "step " << i << " lacks " << key;
    EXPECT_GT(recs[i]["entropy"].get<double>(), 0.0);
  }
  EXPECT_TRUE(recs[2].contains("eval_pass@4"));
  EXPECT_TRUE(recs[4].contains("eval_accuracy"));
  // Two updates per step against old log-probs: the second sees a moved policy.
  EXPECT_TRUE(recs[1].contains("last_update_loss"));
  EXPECT_TRUE(fs::exists(out + "/transcripts.json"));
}

TEST(Grpo, RaisesALearnableReward) {
  const std::string out = testing::temp_dir("rl/learn");
  fs::remove_all(out);
  GrpoConfig c = config(out);
  c.steps = 30;
  c.prompts_per_step = 4;
  c.num_iterations = 1;
  c.eval_every = 0;
  c.heldout = 0;
  c.checkpoint_every = 0;
  c.schedule = {LrSchedule::Kind::kConstant, 1e-2, 1e-2, 0, 1, 0.2};
  run_grpo(c);
  auto recs = records(out);
  ASSERT_EQ(recs.size(), 30u);
  double first = 0, last = 0;
  for (int i = 0; i < 5; ++i) first += recs[size_t(i)]["reward_mean"].get<double>() / 5;
  for (int i = 25; i < 30; ++i) last += recs[size_t(i)]["reward_mean"].get<double>() / 5;
  std::printf("mean reward: first five steps %.3f, last five %.3f\n", first, last);
  EXPECT_GT(last, first + 0.1);
}

TEST(Grpo, ResumesBitwise) {
  const std::string a = testing::temp_dir("rl/resume_a"), b = testing::temp_dir("rl/resume_b");
  fs::remove_all(a);
  fs::remove_all(b);
  run_grpo(config(a));
  fs::create_directories(b + "/checkpoints");
  fs::copy(a + "/checkpoints/step_00000002", b + "/checkpoints/step_00000002", fs::copy_options::recursive);
  std::ofstream(b + "/checkpoints/latest") << "step_00000002\n";
  GrpoConfig cb = config(b);
  cb.resume = true;
  GrpoSummary s = run_grpo(cb);
  EXPECT_EQ(s.before.items, 0);  // no start-model evaluation on a resumed run
  auto ra = records(a), rb = records(b);
  ASSERT_EQ(rb.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const nlohmann::json& x = ra[3 + i];
    const nlohmann::json& y = rb[i];
    EXPECT_EQ(x["step"], y["step"]);
    for (const char* key : {"loss", "grad_norm", "reward_mean", "clip_low", "entropy", "last_update_loss"})
      EXPECT_EQ(x[key], y[key]) << key << " at step " << x["step"];
  }
  EXPECT_EQ(ra.back()["eval_accuracy"], rb.back()["eval_accuracy"]);
  auto ma = load_model(a + "/model"), mb = load_model(b + "/model");
  EXPECT_EQ(0, std::memcmp(ma->params(), mb->params(), ma->n_param_floats() * sizeof(float)));
}

// The single-step probe asks each distinct step of the items' worked answers once
// (the first two open every prompt instead), up to the limit, and refuses an item
// that is not a built-in arithmetic question.
TEST(Grpo, ArithmeticProbeAsksEachDistinctStepOnce) {
  auto model = load_model(model_dir());
  Tokenizer tok = Tokenizer::load(model_dir() + "/tokenizer.json");
  TaskItem a, b, c, other;
  a.id = "a", a.messages = {{"user", "What is 13 + 7 - 9?"}};
  b.id = "b", b.messages = {{"user", "What is 13 + 7 + 2?"}};  // shares "13 + 7 = 20" with a
  c.id = "c", c.messages = {{"user", "What is 5 + 4 - 3 + 1?"}};
  ArithmeticProbe p = probe_arithmetic_steps(*model, tok, {a, b, c}, 100);
  EXPECT_EQ(p.steps, 4);  // six distinct steps, two of them the context
  EXPECT_GE(p.correct, 0);
  EXPECT_LE(p.correct, p.steps);
  ASSERT_EQ(p.samples.size(), 4u);
  EXPECT_EQ(p.samples[0].rfind("20 + 2 = ", 0), 0u) << p.samples[0];
  EXPECT_EQ(probe_arithmetic_steps(*model, tok, {a, b, c}, 2).steps, 2);
  EXPECT_EQ(probe_arithmetic_steps(*model, tok, {a}, 10).steps, 0);  // two steps: context only
  other.id = "task.jsonl:3", other.messages = {{"user", "Tell me a story"}};
  try {
    probe_arithmetic_steps(*model, tok, {other}, 10);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("task.jsonl:3"), std::string::npos) << e.what();
  }
}

TEST(Grpo, ThrowingRewardAndLongPromptAreNamed) {
  const std::string out = testing::temp_dir("rl/errors");
  fs::remove_all(out);
  GrpoConfig c = config(out);
  c.task = task_file(true);
  c.heldout = 0;
  c.steps = 1;
  c.eval_every = 0;
  GrpoSummary s = run_grpo(c);
  EXPECT_EQ(s.dropped_prompts, 1);  // the long one, skipped with a warning naming it
  EXPECT_EQ(s.steps_done, 1);
  fs::remove_all(out);
  c.custom_rewards.push_back({"grader", 1.0, [](const ScoredResponse&) -> double { throw std::runtime_error("no grade"); }});
  try {
    run_grpo(c);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("'grader'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmforge
