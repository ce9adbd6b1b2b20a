#include "rl/arithmetic_task.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/rng.h"

namespace llmforge {

namespace {

// Operands and signs of an expression such that every partial result stays in
// [0, max_value], as in the practice text: a first number in [1, max_value], then
// operands in [1, max_operand].
std::string random_expression(Rng& rng, const ArithmeticTaskOptions& o) {
  int cur = 1 + int(rng.below(uint64_t(o.max_value)));
  std::string expr = std::to_string(cur);
  for (int k = 1; k < o.operands; ++k) {
    const bool can_add = cur < o.max_value, can_sub = cur >= 1;
    const bool add = can_add && (!can_sub || rng.below(2) == 0);
    const int b = 1 + int(rng.below(uint64_t(std::min(o.max_operand, add ? o.max_value - cur : cur))));
    cur += add ? b : -b;
    expr += std::string(add ? " + " : " - ") + std::to_string(b);
  }
  return expr;
}

// Evaluates "a + b - c ..." left to right; each step into `steps` as "x op y = z".
long evaluate(const std::string& expression, std::vector<std::string>* steps) {
  std::istringstream in(expression);
  long cur = 0;
  if (!(in >> cur)) ErrorBuilder("rl") << "bad arithmetic expression '" << expression << "'";
  std::string op;
  long b;
  while (in >> op >> b) {
    const long next = op == "+" ? cur + b : op == "-" ? cur - b : op == "*" ? cur * b : 0;
    if (op != "+" && op != "-" && op != "*") ErrorBuilder("rl") << "bad operator '" << op << "'";
    if (steps) steps->push_back(std::to_string(cur) + " " + op + " " + std::to_string(b) + " = " + std::to_string(next));
    cur = next;
  }
  return cur;
}

uint64_t hash_text(const std::string& s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

const char* think_format_name(ThinkFormat f) { return f == ThinkFormat::kRest ? "rest" : "steps"; }

ThinkFormat parse_think_format(const std::string& name) {
  if (name == "steps") return ThinkFormat::kSteps;
  if (name == "rest") return ThinkFormat::kRest;
  ErrorBuilder("rl") << "unknown think format '" << name << "' (steps or rest)";
  return ThinkFormat::kSteps;
}

std::string arithmetic_worked_answer(const std::string& expression, ThinkFormat format) {
  std::vector<std::string> steps;
  const long result = evaluate(expression, &steps);
  std::string think;
  for (size_t k = 0; k < steps.size(); ++k) {
    think += (k ? "\n" : "") + steps[k];
    if (format == ThinkFormat::kRest && k + 1 < steps.size()) {
      // "x op b = y" -> ", y", then the " op b" of every later step.
      think += ", " + steps[k].substr(steps[k].rfind(" = ") + 3);
      for (size_t j = k + 1; j < steps.size(); ++j) {
        const size_t op = steps[j].find(' ');
        think += steps[j].substr(op, steps[j].find(" = ") - op);
      }
    }
  }
  return "<think>" + think + "</think>" + std::to_string(result);
}

std::vector<std::string> arithmetic_steps(const std::string& expression) {
  std::vector<std::string> steps;
  evaluate(expression, &steps);
  return steps;
}

std::string arithmetic_expression(const TaskItem& item) {
  static const std::string kPrefix = "What is ";
  const std::string q = item.messages.empty() ? std::string() : item.messages.front().content;
  if (q.size() <= kPrefix.size() + 1 || q.rfind(kPrefix, 0) != 0 || q.back() != '?') {
    ErrorBuilder("rl") << "item " << item.id << " is not a built-in arithmetic question: '" << q << "'";
  }
  return q.substr(kPrefix.size(), q.size() - kPrefix.size() - 1);
}

ArithmeticTask make_arithmetic_task(const ArithmeticTaskOptions& o) {
  if (o.operands < 2 || o.operands > 6) ErrorBuilder("rl") << "arithmetic operands must be 2..6";
  if (o.max_value < 2 || o.max_value > 9999) ErrorBuilder("rl") << "arithmetic max_value must be 2..9999";
  if (o.max_operand < 1 || o.max_operand > o.max_value) {
    ErrorBuilder("rl") << "arithmetic max_operand must be 1..max_value (" << o.max_value << ")";
  }
  if (o.train <= 0 || o.heldout < 0 || o.cold_start < 0 || o.validation < 0) {
    ErrorBuilder("rl") << "bad arithmetic task sizes";
  }
  if (o.validation > 0 && o.cold_start + o.validation > o.train) {
    ErrorBuilder("rl") << "arithmetic validation (" << o.validation << ") and cold start (" << o.cold_start
                       << ") need more than the " << o.train << " training problems";
  }
  ArithmeticTask task;
  Rng rng(o.seed * 0x2545F4914F6CDD1Dull + 77);
  std::set<std::string> seen;
  int attempts = 0;
  const int wanted = o.train + o.heldout;
  while (int(task.train.size()) < o.train || int(task.heldout.size()) < o.heldout) {
    if (++attempts > 50 * wanted) ErrorBuilder("rl") << "could not draw " << wanted << " distinct problems";
    const std::string expr = random_expression(rng, o);
    if (!seen.insert(expr).second) continue;
    // One problem in ten is held out, by its text, so the split never depends on order.
    const bool held = hash_text(expr) % 10 == 0;
    std::vector<TaskItem>& split = held ? task.heldout : task.train;
    if (int(split.size()) >= (held ? o.heldout : o.train)) continue;
    TaskItem item;
    item.id = std::string("arithmetic/") + (held ? "heldout/" : "train/") + std::to_string(split.size());
    item.messages.push_back({"user", "What is " + expr + "?"});
    item.answer = std::to_string(evaluate(expr, nullptr));
    item.check = AnswerCheck::kNumeric;
    split.push_back(std::move(item));
  }
  for (int i = 0; i < o.cold_start; ++i) {
    // Cold-start problems come from the training split, after the ones GRPO visits first.
    const TaskItem& item = task.train[size_t(task.train.size() - 1 - size_t(i) % task.train.size())];
    task.cold_start.push_back(
        {{"user", item.messages[0].content}, {"assistant", arithmetic_worked_answer(arithmetic_expression(item), o.think_format)}});
  }
  // Validation problems come just before the cold-start ones.
  const size_t shown = std::min(size_t(o.cold_start), task.train.size());
  for (int i = 0; i < o.validation; ++i) {
    task.validation.push_back(task.train[task.train.size() - 1 - shown - size_t(i)]);
  }
  return task;
}

void write_task_jsonl(const std::string& path, const std::vector<TaskItem>& items) {
  std::string out;
  for (const TaskItem& item : items) {
    nlohmann::json j{{"answer", item.answer}, {"check", answer_check_name(item.check)}};
    if (item.messages.size() == 1 && item.messages[0].role == "user") {
      j["prompt"] = item.messages[0].content;
    } else {
      for (const ChatMessage& m : item.messages) j["messages"].push_back({{"role", m.role}, {"content", m.content}});
    }
    out += j.dump() + "\n";
  }
  write_file_atomic(path, out);
}

void write_conversations_jsonl(const std::string& path,
                               const std::vector<std::vector<ChatMessage>>& conversations) {
  std::string out;
  for (const auto& c : conversations) {
    nlohmann::json j;
    for (const ChatMessage& m : c) j["messages"].push_back({{"role", m.role}, {"content", m.content}});
    out += j.dump() + "\n";
  }
  write_file_atomic(path, out);
}

}  // namespace llmforge
