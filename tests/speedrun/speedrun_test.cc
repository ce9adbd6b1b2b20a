// `llmforge speedrun --preset tiny` as a user runs it: every stage finishes, the
// report and its plots exist, the numbers in report.json are measured (noise removal
// against the planted labels, losses that fell, every question asked), and the chat
// model it points to loads and answers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "../test_util.h"
#include "model/model_io.h"
#include "speedrun/report.h"
#include "train/metrics_log.h"

namespace llmforge {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(Speedrun, TinyPresetRunsCrawlToChatAndReports) {
  const std::string out = testing::temp_dir("speedrun_tiny");
  auto [status, log] = testing::run_shell(testing::llmforge_binary() + " speedrun --preset tiny --threads 1 --out " + out);
  ASSERT_EQ(status, 0) << log;
  EXPECT_NE(log.find("speedrun finished"), std::string::npos) << log;
  EXPECT_NE(log.find("llmforge chat --model " + out + "/sft/model"), std::string::npos) << log;

  for (const char* f : {"report.md", "report.json", "plots/data_funnel.svg", "plots/losses.svg",
                        "plots/qa_accuracy.svg", "world/crawl/world-00000.warc.gz", "tokenizer/tokenizer.json",
                        "pretrain/model/config.json", "sft/model/tokenizer.json"}) {
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
  }
  const std::string md = read_file(out + "/report.md");
  for (const char* section : {"## Data", "## Tokenizer", "## Pretraining and SFT", "## Evaluation", "### Sample chats",
                              "## Chat with the model"}) {
    EXPECT_NE(md.find(section), std::string::npos) << section;
  }

  auto j = nlohmann::json::parse(read_file(out + "/report.json"));
  // The pipeline removes the planted noise (the labels are ground truth).
  EXPECT_GE(j["noise"]["precision"].get<double>(), 0.9);
  EXPECT_GE(j["noise"]["recall"].get<double>(), 0.9);
  // Pretraining learned: validation loss well below a uniform guess over the vocabulary.
  const double uniform = std::log(j["tokenizer"]["vocab_size"].get<double>());
  EXPECT_LT(j["pretrain"]["val_loss"].get<double>(), 0.6 * uniform);
  // SFT learned the chat format: its validation loss fell over training.
  LossCurves sft = read_loss_curves(out + "/sft/metrics.jsonl");
  ASSERT_GE(sft.train.y.size(), 10u);
  EXPECT_LT(sft.val.y.back(), sft.train.y.front());
  // Every question was asked: 6 per person, and the identity set.
  long asked = 0;
  for (const auto& [split, t] : j["eval"]["qa"].items()) asked += t["total"].get<long>();
  EXPECT_EQ(asked, 24 * 6) << j["eval"].dump();
  EXPECT_GT(j["eval"]["identity"]["total"].get<long>(), 0);
  // The base model completed the same facts' statements: every one probed, and
  // every probe a record whose prompt names the person.
  long probed = 0;
  for (const auto& [split, t] : j["base_probe"]["qa"].items()) probed += t["total"].get<long>();
  EXPECT_EQ(probed, asked);
  for (const auto& rec : j["base_probe"]["records"]) {
    EXPECT_EQ(rec["kind"], "probe");
    EXPECT_FALSE(rec["question"].get<std::string>().empty());
  }
  EXPECT_NE(md.find("base model completes"), std::string::npos);

  // The search stage ran and measured: an index over the crawl and the post-crawl
  // pages, a search-tuned model, and every group asked three ways (accuracy is the
  // default preset's business, not this test's).
  ASSERT_TRUE(j.contains("search")) << "no search stage in report.json";
  const auto& sj = j["search"];
  EXPECT_GT(sj["index"]["documents"].get<long>(), 0);
  EXPECT_GT(sj["index"]["mb_per_s_per_core"].get<double>(), 0.0);
  EXPECT_GT(sj["index"]["search_ms"].get<double>(), 0.0);
  EXPECT_GT(sj["data"]["search_conversations"].get<long>(), 0);
  // Reading practice: the preset's fresh people each got a reading conversation, and
  // its reading documents went to pretraining beside the lists.
  EXPECT_EQ(sj["data"]["fresh_people"].get<long>(), 8);
  EXPECT_GE(sj["data"]["reading_conversations"].get<long>(), 8);
  EXPECT_TRUE(std::filesystem::exists(out + "/search/fresh/index/search.sqlite"));
  {
    std::ifstream reading(out + "/world/reading.jsonl");
    long lines = 0;
    for (std::string line; std::getline(reading, line);) lines += !line.empty();
    EXPECT_EQ(lines, 20);
  }
  EXPECT_GT(sj["sft"]["steps"].get<long>(), 0);
  EXPECT_TRUE(std::filesystem::exists(sj["sft"]["model_dir"].get<std::string>() + "/model.safetensors"));
  std::set<std::string> groups;
  for (const auto& g : sj["eval"]["groups"]) {
    groups.insert(g["group"].get<std::string>());
    EXPECT_GT(g["questions"].get<long>(), 0);
  }
  EXPECT_EQ(groups, (std::set<std::string>{"qa", "heldout", "post_crawl"}));
  EXPECT_NE(md.find("## Search"), std::string::npos);
  EXPECT_NE(md.find("### Sample transcripts with their searches"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(out + "/search/index/search.sqlite"));
  EXPECT_TRUE(std::filesystem::exists(out + "/world/post_crawl/pages.warc.gz"));
  // The grpo stage ran both routes and measured them (not their accuracy: the tiny
  // model is too small to learn arithmetic in four steps).
  EXPECT_NE(md.find("## GRPO"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(out + "/plots/grpo.svg"));
  EXPECT_GT(j["grpo"]["base_steps"].get<int>(), 0);  // the base model's single steps were probed
  EXPECT_EQ(j["grpo"]["think_format"], "steps");  // the tiny preset's; the default preset's is "rest"
  // The cold start was checked on validation problems (every quarter epoch; once an
  // epoch while far below the target, as the tiny model stays: its target, 90%, is
  // out of reach).
  EXPECT_EQ(j["grpo"]["cold_start_target"].get<double>(), 0.9);
  EXPECT_FALSE(j["grpo"]["cold_start_at_target"].get<bool>());
  EXPECT_TRUE(j["grpo"]["cold_start_check_accuracy"].is_number());
  {
    auto log = read_metrics_log(out + "/rl/cold_start/metrics.jsonl", {"check_accuracy", "check_format"});
    EXPECT_GE(log["check_accuracy"].value.size(), 2u);  // two epochs
    EXPECT_EQ(log["check_format"].value.size(), log["check_accuracy"].value.size());
    EXPECT_LE(long(log["check_accuracy"].step.back()), j["grpo"]["cold_start_steps"].get<long>());
    EXPECT_NE(md.find("validation problems"), std::string::npos);
  }
  for (const char* route : {"r1", "r1zero"}) {
    const auto& g = j["grpo"][route];
    EXPECT_GE(g["steps"].get<long>(), 3) << route;
    EXPECT_EQ(g["before"]["items"].get<long>(), 16) << route;
    EXPECT_EQ(g["after"]["items"].get<long>(), 16) << route;
    EXPECT_TRUE(g["after"]["pass_at_k"].contains("4")) << route;
    EXPECT_GT(g["rollout_tokens_per_s"].get<double>(), 0) << route;
    EXPECT_TRUE(std::filesystem::exists(g["model"].get<std::string>() + "/model.safetensors")) << route;
    auto log = read_metrics_log(out + "/rl/" + route + "/metrics.jsonl", {"reward_mean", "response_length_mean"});
    EXPECT_EQ(log["reward_mean"].value.size(), g["steps"].get<size_t>()) << route;
  }
  // The idk stage ran and measured: every crawl fact labelled, "I'm not sure" SFT
  // ran, and the hallucination numbers were taken before and after (not their values).
  ASSERT_TRUE(j.contains("idk")) << j.dump().substr(0, 2000);
  const auto& idk = j["idk"];
  EXPECT_EQ(idk["labels"]["facts"].get<long>(), 24 * 6);
  EXPECT_GT(idk["sft"]["steps"].get<long>(), 0);
  for (const char* when : {"before", "after"}) {
    EXPECT_EQ(idk[when]["hallucination"]["all"]["total"].get<long>(), 12 * 6) << when;
    EXPECT_GT(idk[when]["hallucination"]["gibberish"]["total"].get<long>(), 0) << when;
    EXPECT_EQ(idk[when]["splits"]["heldout"]["total"].get<long>(), 12 * 6) << when;
    EXPECT_TRUE(idk[when].contains("over_refusal") || idk[when].contains("refused_unknown")) << when;
  }
  {
    std::ifstream labels(out + "/idk/labels.jsonl");
    long lines = 0;
    for (std::string line; std::getline(labels, line);) {
      auto l = nlohmann::json::parse(line);
      EXPECT_EQ(l["answers"].size(), 3u);
      EXPECT_TRUE(l["label"] == "known" || l["label"] == "unknown");
      ++lines;
    }
    EXPECT_EQ(lines, 24 * 6);
  }
  for (const char* f : {"idk/sft/train.jsonl", "idk/train/model/config.json", "plots/idk_confidence.svg"}) {
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
  }
  EXPECT_NE(md.find("## Hallucination"), std::string::npos);

  // The rm and rlhf stages ran and measured (not how well: the tiny model is too small).
  EXPECT_NE(md.find("## RLHF"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(out + "/plots/rlhf.svg"));
  {
    const auto& h = j["rlhf"];
    EXPECT_GT(h["preferences"]["pairs"].get<long>(), 0);
    EXPECT_GT(h["reward_model"]["heldout_pairs"].get<long>(), 0);
    EXPECT_TRUE(h["reward_model"]["length_baseline"].is_number());
    EXPECT_GT(h["sft"]["samples"].get<long>(), 0);
    EXPECT_LT(std::fabs(h["sft"]["kl"].get<double>()), 1e-3);  // the SFT model is the reference
    for (const char* route : {"ppo", "grpo"}) {
      EXPECT_EQ(h[route]["steps"].get<long>(), 3) << route;
      EXPECT_GT(h[route]["model_mib"].get<double>(), 0) << route;
      EXPECT_GT(h[route]["activation_mib"].get<double>(), 0) << route;
      // Resident memory holds at least the models' state (0 where /proc cannot be reset).
      const double peak = h[route]["peak_resident_mib"].get<double>();
      if (peak > 0) {
        EXPECT_GT(peak, h[route]["model_mib"].get<double>()) << route;
      }
      EXPECT_GT(h[route]["eval"]["samples"].get<long>(), 0) << route;
    }
    EXPECT_GT(h["ppo"]["model_mib"].get<double>(), h["grpo"]["model_mib"].get<double>());  // four models vs two
    auto log = read_metrics_log(out + "/rlhf/ppo/metrics.jsonl", {"proxy_score", "gold_score", "kl"});
    EXPECT_EQ(log["gold_score"].value.size(), 3u);
  }

  // The chat model loads and replies through the chat command's one-shot mode.
  auto model = load_model(out + "/sft/model");
  EXPECT_EQ(model->config().dim, 128);
}

// `--stop-after eval` makes the chat model and its numbers and skips the
// post-training stages (the multi-seed table's runs); such a run resumes after its
// folder moved and runs a later stage alone with --skip; stopping before the chat
// model exists, or skipping a stage that makes it, is refused by name.
TEST(Speedrun, StopsAfterTheNamedStage) {
  const std::string out = testing::temp_dir("speedrun_stop_after");
  const std::string cmd = testing::llmforge_binary() + " speedrun --preset tiny --threads 1 --pretrain-steps 20 --sft-epochs 0.3 --out " + out;
  auto [status, log] = testing::run_shell(cmd + " --stop-after eval");
  ASSERT_EQ(status, 0) << log;
  auto j = nlohmann::json::parse(read_file(out + "/report.json"));
  EXPECT_TRUE(j.contains("eval"));
  EXPECT_TRUE(j.contains("base_icl"));
  for (const char* skipped : {"idk", "search", "grpo", "rlhf"}) EXPECT_FALSE(j.contains(skipped)) << skipped;
  EXPECT_EQ(log.find("idk done"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(out + "/rl"));
  EXPECT_GT(std::filesystem::file_size(out + "/world/lists.jsonl"), 0u);

  // A run folder moved elsewhere resumes: its crawl moved with it, so the data
  // stage's manifest names the same files at a new path.
  const std::string moved = out + "_moved";
  std::filesystem::remove_all(moved);
  std::filesystem::rename(out, moved);
  auto [resumed_status, resumed_log] = testing::run_shell(
      testing::llmforge_binary() + " speedrun --preset tiny --threads 1 --pretrain-steps 20 --sft-epochs 0.3 --out " +
      moved + " --resume --stop-after eval");
  ASSERT_EQ(resumed_status, 0) << resumed_log;
  EXPECT_NE(read_file(moved + "/data/manifest.json").find(moved + "/world/crawl/"), std::string::npos);
  std::filesystem::rename(moved, out);

  // --skip leaves out named post-training stages: grpo runs on the finished chat
  // model without idk and search before it, here with the other think format.
  auto [skip_status, skip_log] =
      testing::run_shell(cmd + " --resume --skip idk,search --stop-after grpo --grpo-think-format rest");
  ASSERT_EQ(skip_status, 0) << skip_log;
  j = nlohmann::json::parse(read_file(out + "/report.json"));
  EXPECT_TRUE(j.contains("grpo"));
  EXPECT_EQ(j["grpo"]["think_format"], "rest");
  EXPECT_NE(read_file(out + "/rl/task/cold_start.jsonl").find(", "), std::string::npos);  // "13 + 2 = 15, 15 - 3"
  for (const char* skipped : {"idk", "search", "rlhf"}) EXPECT_FALSE(j.contains(skipped)) << skipped;

  auto [bad_status, bad_log] = testing::run_shell(cmd + " --stop-after pretrain");
  EXPECT_NE(bad_status, 0);
  EXPECT_NE(bad_log.find("cannot stop after 'pretrain'"), std::string::npos) << bad_log;
  auto [bad_format_status, bad_format_log] = testing::run_shell(cmd + " --grpo-think-format prose");
  EXPECT_NE(bad_format_status, 0);
  EXPECT_NE(bad_format_log.find("'prose'"), std::string::npos) << bad_format_log;
  auto [bad_skip_status, bad_skip_log] = testing::run_shell(cmd + " --skip sft");
  EXPECT_NE(bad_skip_status, 0);
  EXPECT_NE(bad_skip_log.find("cannot skip 'sft'"), std::string::npos) << bad_skip_log;
}

}  // namespace
}  // namespace llmforge
