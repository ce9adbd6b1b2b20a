// The JSON reports of evaluations hold the model's replies, whose bytes need not be
// valid UTF-8 (a byte-level model can stop mid-character). nlohmann's dump() throws
// type_error 316 on such bytes; the reports must replace them with U+FFFD instead,
// and leave valid text as it is.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eval/search_eval.h"
#include "eval/world_eval.h"

namespace llmforge {
namespace {

const std::string kBad = "Lis\xff" "bon \xc3";  // a stray byte, and a character cut short
const std::string kReplaced = "Lis\xEF\xBF\xBD" "bon \xEF\xBF\xBD";

TEST(WorldReport, InvalidUtf8WouldThrowUnreplaced) {
  // What the reports guard against: without replacement the dump throws.
  const nlohmann::json unreplaced = {{"reply", kBad}};
  EXPECT_THROW((void)unreplaced.dump(), nlohmann::json::type_error);
}

TEST(WorldReport, WorldEvalJsonReplacesInvalidUtf8) {
  WorldEvalResult r;
  ChatRecord bad;
  bad.kind = "qa", bad.split = "qa", bad.attribute = "birth_city", bad.question = "Where was Ana born?";
  bad.expected = {"Lisbon"}, bad.reply = kBad, bad.finish = "length";
  ChatRecord good = bad;
  good.reply = "Lisbon, Portugal \xE2\x80\x94 caf\xC3\xA9";  // valid multi-byte text stays
  r.records = {bad, good};
  const nlohmann::json j = world_eval_to_json(r);
  std::string text;
  ASSERT_NO_THROW(text = j.dump(2));
  EXPECT_EQ(j["records"][0]["reply"], kReplaced);
  EXPECT_EQ(j["records"][1]["reply"], good.reply);
  EXPECT_EQ(nlohmann::json::parse(text)["records"][0]["reply"], kReplaced);
}

TEST(WorldReport, SearchEvalJsonReplacesInvalidUtf8) {
  SearchEvalResult r;
  SearchTranscript s;
  s.group = "unknown", s.question = "Where was Ana born?", s.expected = "Lisbon", s.reply = kBad;
  ToolEvent e;
  e.error = true;
  e.call_text = "<tool_call>{\"name\": \"sea\xe2\x80";  // cut inside a character
  s.events.push_back(e);
  r.samples.push_back(s);
  const nlohmann::json j = search_eval_to_json(r);
  ASSERT_NO_THROW((void)j.dump());
  EXPECT_EQ(j["samples"][0]["reply"], kReplaced);
  EXPECT_EQ(j["samples"][0]["calls"][0]["call_text"], "<tool_call>{\"name\": \"sea\xEF\xBF\xBD");
}

}  // namespace
}  // namespace llmforge
