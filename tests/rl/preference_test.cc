// Preferences: the gold score rewards covered facts and punishes invented ones,
// repetition and bad lengths; preference files in both formats load, ranked lists
// expand into all pairs, identical pairs are counted skips, and a missing field is
// an error naming file:line.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "../test_util.h"
#include "core/error.h"
#include "rl/preference.h"

namespace llmforge {
namespace {

std::vector<PersonFacts> two_people() {
  return {{"Ada Lind", {"March 4, 1975", "Lisbon", "Oxford University", "economics", "Acme Corp", "Porto"}, true},
          {"Bo Keller", {"June 1, 1980", "Oslo", "Kyoto University", "linguistics", "Globex", "Lima"}, false}};
}

TEST(Preference, GoldScoreFromGroundTruth) {
  GoldPreference gold(two_people());
  OpenPrompt p;
  p.person = 0;
  p.text = "Tell me about Ada Lind.";
  p.asked = {0, 1, 2, 3, 4, 5};
  EXPECT_EQ(gold.person_in(p.text), 0);
  const std::string good =
      "Ada Lind was born on March 4, 1975 in Lisbon. She studied economics at Oxford University and works for "
      "Acme Corp in Porto.";
  const GoldScore g = gold.score(p, good);
  EXPECT_DOUBLE_EQ(g.coverage, 1.0);
  EXPECT_EQ(g.invented, 0.0);
  EXPECT_EQ(g.repetition, 0.0);
  EXPECT_EQ(g.length, 0.0);
  EXPECT_DOUBLE_EQ(g.gold, 1.0);
  // Another person's facts are invented for this one.
  const GoldScore wrong = gold.score(
      p, "Ada Lind was born on June 1, 1980 in Oslo. She studied economics at Kyoto University and works in Lima.");
  EXPECT_EQ(wrong.invented, 4.0);
  EXPECT_LT(wrong.gold, g.gold);
  // Repetition and length.
  const GoldScore rep = gold.score(p, good + " " + good + " " + good);
  EXPECT_GT(rep.repetition, 0.5);
  EXPECT_LT(rep.gold, g.gold);
  const GoldScore shortr = gold.score(p, "Lisbon.");
  EXPECT_GT(shortr.length, 0.8);
  // Partial coverage of what was asked.
  p.asked = {0, 1};
  EXPECT_DOUBLE_EQ(gold.score(p, "She was born in Lisbon, I am fairly sure of it.").coverage, 0.5);
}

TEST(Preference, OpenPromptsCycleKindsAndPeople) {
  const auto people = two_people();
  const std::vector<OpenPrompt> ps = make_open_prompts(people, {0, 1}, 8, 1);
  ASSERT_EQ(ps.size(), 8u);
  std::set<std::string> texts;
  for (const OpenPrompt& p : ps) {
    texts.insert(p.text);
    EXPECT_NE(p.text.find(people[size_t(p.person)].name), std::string::npos);
    EXPECT_FALSE(p.asked.empty());
  }
  EXPECT_EQ(texts.size(), 8u);  // 2 people x 4 kinds, each once
}

TEST(Preference, LoadsPairsAndRankedListsAndCountsSkips) {
  const std::string dir = testing::temp_dir("preference");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/prefs.jsonl";
  std::ofstream(path) << R"({"prompt": "p1", "chosen": "a", "rejected": "b"})" << "\n"
                      << R"({"prompt": "p2", "chosen": "same", "rejected": "same"})" << "\n\n"
                      << R"({"prompt": "p3", "responses": ["x", "y", "y", "z"]})" << "\n";
  const PreferenceSet s = load_preferences(path);
  EXPECT_EQ(s.lines, 3);
  EXPECT_EQ(s.ranked_lines, 1);
  EXPECT_EQ(s.skipped_identical, 2);  // the identical pair and y/y of the list
  ASSERT_EQ(s.pairs.size(), 1u + 5u);  // 4 choose 2 = 6 minus y/y
  EXPECT_EQ(s.pairs[0].chosen, "a");
  EXPECT_EQ(s.pairs[1].chosen, "x");
  EXPECT_EQ(s.pairs[1].rejected, "y");
  EXPECT_EQ(s.pairs.back().chosen, "y");
  EXPECT_EQ(s.pairs.back().rejected, "z");
  EXPECT_EQ(s.pairs[1].source, path + ":4");
  EXPECT_NE(s.pairs[0].group, s.pairs[1].group);

  std::ofstream(path) << R"({"prompt": "p1", "chosen": "a", "rejected": "b"})" << "\n"
                      << R"({"prompt": "p1", "chosen": "a"})" << "\n";
  try {
    load_preferences(path);
    FAIL() << "a missing field must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("rejected"), std::string::npos) << e.what();
  }
  std::ofstream(path) << R"({"prompt": "p1", "responses": ["only one"]})" << "\n";
  EXPECT_THROW(load_preferences(path), Error);

  // A ranked list's true-preference scores follow its pairs (a noisy rater may have
  // ranked against them); a gold list of the wrong length is an error naming the line.
  std::ofstream(path) << R"({"prompt": "p", "responses": ["x", "y", "z"], "gold": [0.5, 0.9, -1]})" << "\n"
                      << R"({"prompt": "q", "chosen": "a", "rejected": "b"})" << "\n";
  const PreferenceSet g = load_preferences(path);
  ASSERT_EQ(g.pairs.size(), 4u);
  EXPECT_EQ(g.pairs[0].chosen, "x");
  EXPECT_DOUBLE_EQ(g.pairs[0].chosen_gold, 0.5);
  EXPECT_DOUBLE_EQ(g.pairs[0].rejected_gold, 0.9);  // y is truly better than x
  EXPECT_DOUBLE_EQ(g.pairs[2].rejected_gold, -1.0);
  EXPECT_TRUE(std::isnan(g.pairs[3].chosen_gold));
  std::ofstream(path) << R"({"prompt": "p", "responses": ["x", "y"], "gold": [0.5]})" << "\n";
  try {
    load_preferences(path);
    FAIL() << "a gold list of the wrong length must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gold"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmforge
