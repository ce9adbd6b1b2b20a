// The world's in-context task: prompts show only examples (never an instruction),
// examples never give the query's answer away, every k uses the first k of the same
// examples, and scoring is exact. A tiny model that memorised the full 4-shot
// documents must answer them and must not answer at 0 shots, which shows that the
// prompts the evaluation builds are the ones scored, in order.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "eval/world_icl.h"
#include "fit_tiny_model.h"
#include "infer/tiny_model.h"
#include "tokenizer/special_tokens.h"
#include "test_util.h"
#include "train/adamw.h"
#include "train/losses.h"

namespace llmforge {
namespace {

const char* kCities[] = {"Lisbon", "Porto", "Kyoto", "Lima", "Oslo", "Quito", "Accra", "Hanoi"};
const char* kFields[] = {"botany", "law", "physics", "music", "history", "chemistry", "geology", "art"};
const char* kNames[] = {"Mara Okafor", "Tomas Reyes", "Ana Lima", "Kenji Marsh",
                        "Ines Varga", "Omar Diallo", "Lena Berg", "Ravi Nair"};

// Eight people, two attributes; the last three are held out.
std::vector<QaItem> items() {
  std::vector<QaItem> out;
  for (int p = 0; p < 8; ++p) {
    const std::string split = p >= 5 ? "heldout" : "qa";
    out.push_back({p, kNames[p], split, "birth_city", "", kCities[p], ""});
    out.push_back({p, kNames[p], split, "field", "", kFields[(p * 3) % 8], ""});
  }
  return out;
}

WorldIclOptions options() {
  WorldIclOptions o;
  o.shots = {0, 2, 4};
  o.queries_per_attribute = 3;
  return o;
}

TEST(WorldIcl, PromptsAreExamplesOnlyAndNeverGiveTheAnswerAway) {
  std::vector<std::string> attributes;
  std::vector<WorldIclPrompt> prompts = world_icl_prompts(items(), options(), &attributes);
  ASSERT_EQ(attributes, (std::vector<std::string>{"birth_city", "field"}));
  ASSERT_EQ(prompts.size(), 2u * 3u * 3u);  // attributes x held-out queries x shots
  for (size_t i = 0; i < prompts.size(); i += 3) {
    const WorldIclPrompt &zero = prompts[i], &two = prompts[i + 1], &four = prompts[i + 2];
    EXPECT_GE(zero.person, 5) << "queries are held-out people";
    EXPECT_EQ(zero.text, std::string(kNames[zero.person]) + " ->");
    EXPECT_EQ(two.shots, 2);
    // The same first examples at every k: each prompt ends the longer one's prefix.
    const std::string query_line = std::string(kNames[zero.person]) + " ->";
    const std::string four_examples = four.text.substr(0, four.text.size() - query_line.size());
    const std::string two_examples = two.text.substr(0, two.text.size() - query_line.size());
    EXPECT_EQ(four_examples.rfind(two_examples, 0), 0u) << two.text << "\n---\n" << four.text;
    EXPECT_EQ(std::count(four.text.begin(), four.text.end(), '\n'), 4);
    // No example is the query person or carries the query's answer.
    EXPECT_EQ(four_examples.find(kNames[zero.person]), std::string::npos) << four.text;
    EXPECT_EQ(four_examples.find("-> " + four.answer + "\n"), std::string::npos) << four.text;
  }
}

TEST(WorldIcl, ErrorsNameTheProblem) {
  WorldIclOptions o = options();
  o.query_split = "nobody";
  std::vector<std::string> attributes;
  try {
    world_icl_prompts(items(), o, &attributes);
    FAIL() << "no query people must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no person of split 'nobody'"), std::string::npos) << e.what();
  }
  o = options();
  o.shots = {0, 8};  // only seven other people
  try {
    world_icl_prompts(items(), o, &attributes);
    FAIL() << "too few examples must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("8 needed"), std::string::npos) << e.what();
  }
}

// Fits a tiny model to the 4-shot documents, each followed by its answer.
Model& memorised_model(const Tokenizer& tok, const std::vector<WorldIclPrompt>& prompts) {
  static Model* model = [&] {
    const int32_t bos = int32_t(*tok.special_token_id(special::kBos));
    std::vector<std::vector<int32_t>> rows;
    for (const WorldIclPrompt& p : prompts) {
      if (p.shots != 4) continue;
      std::vector<int32_t> row{bos};
      for (uint32_t id : tok.encode_ordinary(p.text + " " + p.answer + "\n")) row.push_back(int32_t(id));
      rows.push_back(std::move(row));
    }
    return testing::fit_tiny_model(int(tok.vocab_size()), 128, rows, {}, 3, 300).release();
  }();
  return *model;
}

TEST(WorldIcl, ScoresTheGreedyLineExactlyPerAttributeAndShot) {
  const Tokenizer tok = testing::train_tiny_tokenizer();
  std::vector<std::string> attributes;
  const std::vector<WorldIclPrompt> prompts = world_icl_prompts(items(), options(), &attributes);
  Model& model = memorised_model(tok, prompts);
  WorldIclResult r = evaluate_world_icl(model, tok, items(), options());
  ASSERT_EQ(r.attributes, attributes);
  ASSERT_EQ(r.overall.size(), 3u);
  print_world_icl(stdout, r);
  for (size_t a = 0; a < 2; ++a) {
    EXPECT_EQ(r.by_attribute[a][2].trials, 3);
    EXPECT_EQ(r.by_attribute[a][2].examples, 4);
    EXPECT_EQ(r.by_attribute[a][2].correct, 3) << "the memorised 4-shot documents are answered";
  }
  EXPECT_EQ(r.overall[2].trials, 6);
  // At 0 shots the model sees only "NAME ->": one name, two attributes, so at most one
  // of each person's two answers can be right.
  EXPECT_LE(r.overall[0].correct, 3);
  nlohmann::json j = world_icl_to_json(r);
  EXPECT_EQ(j["by_attribute"]["field"][2]["correct"].get<int>(), 3);
  EXPECT_EQ(j["overall"][0]["examples"].get<int>(), 0);
}

}  // namespace
}  // namespace llmforge
