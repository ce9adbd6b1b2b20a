// Tasks and rewards: answer rules, the answer region after </think>, the format and
// overlong rewards, reward specs, JSONL errors naming file:line, the arithmetic task.
#include <gtest/gtest.h>

#include <filesystem>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "../test_util.h"
#include "rl/arithmetic_task.h"
#include "rl/rewards.h"
#include "rl/task.h"
#include "rl/task_eval.h"

namespace llmforge {
namespace {

TaskItem item(const std::string& answer, AnswerCheck check) {
  TaskItem t;
  t.id = "t";
  t.messages = {{"user", "q"}};
  t.answer = answer;
  t.check = check;
  return t;
}

TEST(RlTask, AnswerRulesLookAfterTheThinking) {
  EXPECT_TRUE(check_answer(item("62", AnswerCheck::kNumeric), "<think>48 + 27 = 75\n75 - 13 = 62</think>62"));
  // A number in the reasoning is not the answer.
  EXPECT_FALSE(check_answer(item("75", AnswerCheck::kNumeric), "<think>48 + 27 = 75</think>62"));
  EXPECT_TRUE(check_answer(item("1234", AnswerCheck::kNumeric), "It is 1,234."));
  EXPECT_TRUE(check_answer(item("-3", AnswerCheck::kNumeric), "</think> -3"));
  EXPECT_FALSE(check_answer(item("3", AnswerCheck::kNumeric), "no number"));
  EXPECT_TRUE(check_answer(item("Lisbon", AnswerCheck::kExact), "<think>x</think> Lisbon \n"));
  EXPECT_FALSE(check_answer(item("Lisbon", AnswerCheck::kExact), "Lisbon."));
  EXPECT_TRUE(check_answer(item("Lisbon", AnswerCheck::kPhrase), "She was born in Lisbon."));
  EXPECT_FALSE(check_answer(item("Lisbon", AnswerCheck::kPhrase), "Lisbonne"));
}

TEST(RlTask, FormatAndOverlongRewards) {
  ScoredResponse r;
  TaskItem t = item("1", AnswerCheck::kNumeric);
  r.item = &t;
  r.text = "<think>a</think>1";
  EXPECT_EQ(format_reward(r), 1.0);
  for (const char* bad : {"1", "<think></think>1", "<think>a</think>", "<think>a", "x<think>a</think>1",
                          "<think>a</think>1</think>", "<think>a<think>b</think>1"}) {
    r.text = bad;
    EXPECT_EQ(format_reward(r), 0.0) << bad;
  }
  r.text = "<think>ab</think>1";
  EXPECT_EQ(think_text(r.text), "ab");
  r.tokens = 10;
  EXPECT_EQ(overlong_reward(r, 16, 4), 0.0);
  r.tokens = 14;
  EXPECT_DOUBLE_EQ(overlong_reward(r, 16, 4), -0.5);
  r.truncated = true;
  EXPECT_EQ(overlong_reward(r, 16, 4), -1.0);
}

TEST(RlTask, RewardSpecsAndFailingRewardsAreNamed) {
  RewardOptions o;
  auto rs = parse_rewards("correctness=1,format=0.25,overlong", o);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[1].weight, 0.25);
  EXPECT_EQ(rs[2].weight, 1.0);
  EXPECT_THROW(parse_rewards("bleu=1", o), std::exception);
  EXPECT_THROW(parse_rewards("format=x", o), std::exception);
  TaskItem t = item("1", AnswerCheck::kNumeric);
  ScoredResponse r;
  r.item = &t;
  r.text = "<think>a</think>1";
  std::vector<double> parts;
  EXPECT_DOUBLE_EQ(score_response(rs, r, &parts), 1.25);
  std::vector<WeightedReward> broken{{"judge", 1.0, [](const ScoredResponse&) -> double { throw std::runtime_error("boom"); }}};
  try {
    score_response(broken, r);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("'judge'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("boom"), std::string::npos) << e.what();
  }
}

TEST(RlTask, StepsRewardCountsTheRightStepsUpToTheFirstWrongOne) {
  TaskItem t;
  t.id = "arithmetic/train/7";
  t.messages = {{"user", "What is 2 + 9 - 6 + 3?"}};
  t.answer = "8";
  t.check = AnswerCheck::kNumeric;
  ScoredResponse r;
  r.item = &t;
  r.text = "<think>2 + 9 = 11\n11 - 6 = 5\n5 + 3 = 8</think>8";
  EXPECT_DOUBLE_EQ(arithmetic_steps_reward(r), 1.0);
  // The second step copies a wrong operand: the third, right by itself, no longer counts.
  r.text = "<think>2 + 9 = 11\n11 - 5 = 6\n5 + 3 = 8</think>8";
  EXPECT_DOUBLE_EQ(arithmetic_steps_reward(r), 1.0 / 3);
  r.text = "<think> 2 + 9 = 11 \n\n11 - 6 = 5</think>5";  // spaces and blank lines are not steps
  EXPECT_DOUBLE_EQ(arithmetic_steps_reward(r), 2.0 / 3);
  r.text = "8";
  EXPECT_DOUBLE_EQ(arithmetic_steps_reward(r), 0.0);
  // The rest format's lines: the step, then what is left.
  r.text = arithmetic_worked_answer("2 + 9 - 6 + 3", ThinkFormat::kRest);
  EXPECT_DOUBLE_EQ(arithmetic_steps_reward(r), 1.0);
  r.text = "<think>2 + 9 = 11, 11 - 6 + 3\n11 - 5 = 6, 6 + 3\n6 + 3 = 9</think>9";
  EXPECT_DOUBLE_EQ(arithmetic_steps_reward(r), 1.0 / 3);
  RewardOptions o;
  auto rs = parse_rewards("correctness=1,steps=0.5", o);
  r.text = "<think>2 + 9 = 11\n11 - 6 = 5\n5 + 3 = 8</think>8";
  EXPECT_DOUBLE_EQ(score_response(rs, r), 1.5);
  // Not an arithmetic question: the error names the reward and the item.
  TaskItem other = item("1", AnswerCheck::kNumeric);
  r.item = &other;
  try {
    score_response(rs, r);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("'steps'"), std::string::npos) << e.what();
  }
}

TEST(RlTask, JsonlErrorsNameTheLine) {
  const std::string dir = testing::temp_dir("rl/task");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/ok.jsonl") << "{\"prompt\": \"2+2?\", \"answer\": 4}\n\n"
                                   << "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"answer\": \"x\", \"check\": \"phrase\"}\n";
  auto items = load_task_jsonl(dir + "/ok.jsonl", AnswerCheck::kNumeric);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].answer, "4");
  EXPECT_EQ(items[0].check, AnswerCheck::kNumeric);
  EXPECT_EQ(items[1].check, AnswerCheck::kPhrase);
  EXPECT_EQ(items[1].id, dir + "/ok.jsonl:3");
  std::ofstream(dir + "/bad.jsonl") << "{\"prompt\": \"a\", \"answer\": \"b\"}\n{\"prompt\": \"a\"}\n";
  try {
    load_task_jsonl(dir + "/bad.jsonl", AnswerCheck::kExact);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
}

TEST(RlTask, ArithmeticSplitsAreDisjointAndWorkedAnswersCheck) {
  ArithmeticTaskOptions o;
  o.train = 300, o.heldout = 30, o.cold_start = 20;
  ArithmeticTask t = make_arithmetic_task(o);
  ASSERT_EQ(t.train.size(), 300u);
  ASSERT_EQ(t.heldout.size(), 30u);
  std::set<std::string> train;
  for (const TaskItem& i : t.train) train.insert(item_question(i));
  for (const TaskItem& i : t.heldout) EXPECT_EQ(train.count(item_question(i)), 0u) << item_question(i);
  EXPECT_EQ(arithmetic_worked_answer("48 + 27 - 13"), "<think>48 + 27 = 75\n75 - 13 = 62</think>62");
  EXPECT_EQ(arithmetic_worked_answer("13 + 7 - 9 + 5", ThinkFormat::kRest),
            "<think>13 + 7 = 20, 20 - 9 + 5\n20 - 9 = 11, 11 + 5\n11 + 5 = 16</think>16");
  EXPECT_EQ(arithmetic_worked_answer("3 + 4", ThinkFormat::kRest), "<think>3 + 4 = 7</think>7");
  EXPECT_EQ(parse_think_format(think_format_name(ThinkFormat::kRest)), ThinkFormat::kRest);
  EXPECT_THROW(parse_think_format("prose"), std::exception);
  EXPECT_EQ(arithmetic_steps("48 + 27 - 13"), (std::vector<std::string>{"48 + 27 = 75", "75 - 13 = 62"}));
  EXPECT_EQ(arithmetic_expression(t.train[0]), item_question(t.train[0]).substr(8, item_question(t.train[0]).size() - 9));
  TaskItem story = item("", AnswerCheck::kExact);
  story.id = "task.jsonl:4", story.messages = {{"user", "Tell me a story?"}};
  try {
    arithmetic_expression(story);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("task.jsonl:4"), std::string::npos) << e.what();
  }
  ASSERT_EQ(t.cold_start.size(), 20u);
  o.think_format = ThinkFormat::kRest;
  ArithmeticTask rest = make_arithmetic_task(o);
  ASSERT_EQ(rest.cold_start.size(), 20u);
  EXPECT_NE(rest.cold_start[0][1].content.find(", "), std::string::npos) << rest.cold_start[0][1].content;
  for (const auto* cold : {&t.cold_start, &rest.cold_start})
  for (const auto& conv : *cold) {
    TaskItem q = item("", AnswerCheck::kNumeric);
    for (const TaskItem& i : t.train)
      if (item_question(i) == conv[0].content) q = i;
    EXPECT_TRUE(check_answer(q, conv[1].content)) << conv[0].content << " -> " << conv[1].content;
  }
  // Same seed, same problems.
  EXPECT_EQ(item_question(make_arithmetic_task(o).train[5]), item_question(t.train[5]));

  // Validation problems: training ones the cold start never shows, and asking for
  // them leaves every split as it was.
  o.validation = 25;
  ArithmeticTask checked = make_arithmetic_task(o);
  ASSERT_EQ(checked.validation.size(), 25u);
  std::set<std::string> shown, validation;
  for (const auto& conv : checked.cold_start) shown.insert(conv[0].content);
  for (const TaskItem& i : checked.validation) {
    validation.insert(item_question(i));
    EXPECT_EQ(shown.count(item_question(i)), 0u) << item_question(i);
    EXPECT_EQ(train.count(item_question(i)), 1u) << item_question(i);
  }
  EXPECT_EQ(validation.size(), 25u);
  EXPECT_EQ(item_question(checked.train[7]), item_question(rest.train[7]));
  ASSERT_EQ(checked.cold_start.size(), rest.cold_start.size());
  for (size_t i = 0; i < rest.cold_start.size(); ++i) {
    EXPECT_EQ(checked.cold_start[i][1].content, rest.cold_start[i][1].content) << i;
  }
  o.validation = 290;
  EXPECT_THROW(make_arithmetic_task(o), std::exception);
}

// Every step of a worked answer has the form of a practice-text line (world/pages.cc):
// one operand in [1, max_operand] added to or taken from a number, both numbers and
// the result in [0, max_value]. The base model learns those lines; the task chains them.
TEST(RlTask, ArithmeticStepsStayInThePracticeRange) {
  ArithmeticTaskOptions o;
  o.train = 400, o.heldout = 40, o.cold_start = 0, o.operands = 5;
  ArithmeticTask t = make_arithmetic_task(o);
  int steps = 0;
  for (const auto* split : {&t.train, &t.heldout}) {
    for (const TaskItem& i : *split) {
      const std::string q = item_question(i);
      const std::string worked = arithmetic_worked_answer(q.substr(8, q.size() - 9));
      std::istringstream think(worked.substr(7, worked.find("</think>") - 7));
      std::string line;
      int lines = 0;
      while (std::getline(think, line)) {
        int a = -1, b = -1, c = -1;
        char op = 0;
        ASSERT_EQ(std::sscanf(line.c_str(), "%d %c %d = %d", &a, &op, &b, &c), 4) << line;
        EXPECT_TRUE(op == '+' || op == '-') << line;
        EXPECT_TRUE(a >= 0 && a <= o.max_value && b >= 1 && b <= o.max_operand && c >= 0 && c <= o.max_value) << line;
        EXPECT_EQ(c, op == '+' ? a + b : a - b) << line;
        ++lines, ++steps;
      }
      EXPECT_EQ(lines, o.operands - 1) << q;
    }
  }
  EXPECT_EQ(steps, 440 * 4);
  o.max_operand = 0;
  EXPECT_THROW(make_arithmetic_task(o), std::exception);
  o.max_operand = 9, o.max_value = 1;
  EXPECT_THROW(make_arithmetic_task(o), std::exception);
}

TEST(RlTask, PassAtKIsTheUnbiasedEstimator) {
  EXPECT_DOUBLE_EQ(pass_at_k(8, 0, 4), 0.0);
  EXPECT_DOUBLE_EQ(pass_at_k(8, 8, 1), 1.0);
  EXPECT_NEAR(pass_at_k(8, 2, 1), 0.25, 1e-12);
  EXPECT_NEAR(pass_at_k(4, 1, 2), 0.5, 1e-12);  // 1 - C(3,2)/C(4,2)
  EXPECT_DOUBLE_EQ(pass_at_k(8, 1, 8), 1.0);
}

}  // namespace
}  // namespace llmforge
