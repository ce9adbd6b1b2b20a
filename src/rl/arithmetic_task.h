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
// start is worked examples from the training split in the chat format:
//   user: "What is 13 + 7 - 9?"   assistant: "<think>13 + 7 = 20\n20 - 9 = 11</think>11"
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infer/chat_format.h"
#include "rl/task.h"

namespace llmforge {

struct ArithmeticTaskOptions {
  uint64_t seed = 1;
  int train = 2000;
  int heldout = 200;
  int operands = 3;      // numbers per expression (2..6)
  int max_value = 20;    // the first number and every partial result are in [0, max_value]
  int max_operand = 9;   // operands after the first are in [1, max_operand]
  int cold_start = 300;  // worked examples for the R1 route's SFT
};

struct ArithmeticTask {
  std::vector<TaskItem> train, heldout;
  std::vector<std::vector<ChatMessage>> cold_start;  // user question, worked assistant answer
};

ArithmeticTask make_arithmetic_task(const ArithmeticTaskOptions& options);

// "<think>48 + 27 = 75\n75 - 13 = 62</think>62" for "48 + 27 - 13".
std::string arithmetic_worked_answer(const std::string& expression);
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
