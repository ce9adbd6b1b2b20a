// The built-in verifiable task: multi-operand arithmetic ("What is 13 + 7 - 9 + 5?"),
// where thinking pays for a small model. Each step of a worked solution is a line
// of the world's arithmetic practice text ("13 + 7 = 20": one digit added to or
// taken from a number, every number in [0, max_value], world/pages.cc), which the
// base model was pretrained on; the whole expression in one go is not. So a model
// that writes the steps in <think>...</think> before the answer can be right where
// one that answers at once guesses.
//
// Problems are deterministic for a seed; held-out problems never occur in the
// training split (split by the expression, not by position). The R1 route's cold
// start is worked examples from the training split in the chat format, in one of
// two think formats:
//   steps  user: "What is 13 + 7 - 9 + 5?"
//          assistant: "<think>13 + 7 = 20\n20 - 9 = 11\n11 + 5 = 16</think>16"
//   rest   each step followed by what is left to compute:
//          assistant: "<think>13 + 7 = 20, 20 - 9 + 5\n20 - 9 = 11, 11 + 5\n11 + 5 = 16</think>16"
// In "steps" the next operand is read from the question; in "rest" from the end of the
// line before. On the default preset's base model the two cold starts answer alike,
// but GRPO improves "rest" and not "steps" (bench/RESULTS.md, issue 16).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infer/chat_format.h"
#include "rl/task.h"

namespace llmforge {

enum class ThinkFormat { kSteps, kRest };
const char* think_format_name(ThinkFormat f);
// "steps" or "rest"; Error("rl") naming the value otherwise.
ThinkFormat parse_think_format(const std::string& name);

struct ArithmeticTaskOptions {
  uint64_t seed = 1;
  int train = 2000;
  int heldout = 200;
  int operands = 3;      // numbers per expression (2..6)
  int max_value = 20;    // the first number and every partial result are in [0, max_value]
  int max_operand = 9;   // operands after the first are in [1, max_operand]
  int cold_start = 300;  // worked examples for the R1 route's SFT
  int validation = 0;    // problems for checking the cold start as it trains (below)
  ThinkFormat think_format = ThinkFormat::kSteps;  // of the cold start's worked answers
};

struct ArithmeticTask {
  std::vector<TaskItem> train, heldout;
  std::vector<std::vector<ChatMessage>> cold_start;  // user question, worked assistant answer
  // From the training split, none of them a cold-start example: what the cold start
  // is checked on while it trains (the held-out split stays for the final numbers).
  std::vector<TaskItem> validation;
};

ArithmeticTask make_arithmetic_task(const ArithmeticTaskOptions& options);

// "<think>48 + 27 = 75\n75 - 13 = 62</think>62" for "48 + 27 - 13" (steps), or
// "<think>48 + 27 = 75, 75 - 13\n75 - 13 = 62</think>62" (rest).
std::string arithmetic_worked_answer(const std::string& expression, ThinkFormat format = ThinkFormat::kSteps);
// {"48 + 27 = 75", "75 - 13 = 62"} for "48 + 27 - 13": the lines of its thinking.
std::vector<std::string> arithmetic_steps(const std::string& expression);
// "48 + 27 - 13" for an item asking "What is 48 + 27 - 13?"; Error("rl") naming the
// item when its question is not of that form.
std::string arithmetic_expression(const TaskItem& item);

// {"prompt", "answer", "check"} lines, readable by load_task_jsonl.
void write_task_jsonl(const std::string& path, const std::vector<TaskItem>& items);
// {"messages": [...]} lines, readable by `llmforge sft`.
void write_conversations_jsonl(const std::string& path,
                               const std::vector<std::vector<ChatMessage>>& conversations);

}  // namespace llmforge
