// Verifiable tasks for RL: prompts with a known answer and a rule that checks a
// response against it.
//
// A task is a built-in one (arithmetic_task.h) or a JSONL file, one item a line:
//   {"prompt": "What is 3 + 4?", "answer": "7"}            or
//   {"messages": [{"role": "user", "content": "..."}], "answer": "7", "check": "numeric"}
// "check" (optional) overrides the task's rule for that item:
//   exact    the answer region, trimmed, equals the answer
//   numeric  the first number of the answer region equals the answer's number
//   phrase   the answer occurs in the answer region as a whole phrase (eval/answer_match.h)
// The answer region is what follows the last "</think>" of a response (all of it
// when there is none), so reasoning never counts as the answer.
//
// Prompts are rendered in one of two templates:
//   chat     the chat format with a generation prompt (<|assistant|>); the model
//            writes "<think>...</think>answer<|end|>" (R1 after a cold start)
//   r1zero   plain text for a base model, "Question: ...\nAnswer: <think>", which
//            opens the thinking for it (R1-Zero); the response is "<think>" plus
//            what the model writes
// Malformed lines are errors naming file:line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infer/chat_format.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

enum class AnswerCheck { kExact, kNumeric, kPhrase };
const char* answer_check_name(AnswerCheck c);
AnswerCheck parse_answer_check(const std::string& s);  // throws Error("rl")

enum class PromptTemplate { kChat, kR1Zero };
PromptTemplate parse_prompt_template(const std::string& s);  // "chat" or "r1zero"

struct TaskItem {
  std::string id;                     // "file.jsonl:12" or "arithmetic/train/3"
  std::vector<ChatMessage> messages;  // the prompt (a "prompt" becomes one user message)
  std::string answer;
  AnswerCheck check = AnswerCheck::kExact;
};

// The question of an item as plain text: its last user message.
const std::string& item_question(const TaskItem& item);

// Reads a JSONL task file. Throws Error("rl") naming file:line.
std::vector<TaskItem> load_task_jsonl(const std::string& path, AnswerCheck default_check);

struct RenderedPrompt {
  std::vector<int32_t> tokens;
  std::string response_prefix;  // text the template put before the model's response
};
RenderedPrompt render_task_prompt(const Tokenizer& tok, const TaskItem& item, PromptTemplate tmpl);

// The answer region of a response (see above), trimmed.
std::string answer_region(const std::string& response);
// Whether `response` answers `item` correctly under its rule.
bool check_answer(const TaskItem& item, const std::string& response);
// The first number in `text` ("-12", "3.5", "1,234"), false when there is none.
bool first_number(const std::string& text, double* value);

}  // namespace llmforge
