#include "rl/arithmetic_probe.h"

#include <set>

#include "core/error.h"
#include "eval/world_eval.h"
#include "rl/arithmetic_task.h"
#include "tokenizer/special_tokens.h"

namespace llmforge {

ArithmeticProbe probe_arithmetic_steps(const Model& model, const Tokenizer& tok, const std::vector<TaskItem>& items,
                                       int max_steps) {
  auto bos = tok.special_token_id(special::kBos);
  if (!bos) ErrorBuilder("rl") << "the tokenizer has no " << special::kBos << " token to start a document with";
  // "13 + 7 = 20" -> prompt "13 + 7 =", expected " 20". The first two distinct
  // steps are not asked: they open every prompt as a practice document would, since
  // after <|bos|> alone the model does not yet know it is reading arithmetic (seed 2's
  // base model: 53% of single steps right with no lines before them, 97% after three
  // practice lines).
  std::vector<std::string> lines;
  std::set<std::string> seen;
  for (const TaskItem& item : items) {
    for (const std::string& step : arithmetic_steps(arithmetic_expression(item))) {
      if (int(lines.size()) >= max_steps + 2) break;
      if (seen.insert(step).second) lines.push_back(step);
    }
    if (int(lines.size()) >= max_steps + 2) break;
  }
  ArithmeticProbe probe;
  if (lines.size() < 3) return probe;
  const std::string context = lines[0] + "\n" + lines[1] + "\n";
  std::vector<std::string> asked, expected;
  for (size_t i = 2; i < lines.size(); ++i) {
    const size_t eq = lines[i].find(" = ");
    asked.push_back(lines[i].substr(0, eq + 2));
    expected.push_back(lines[i].substr(eq + 2));
  }
  std::vector<std::vector<int32_t>> prompts;
  for (const std::string& a : asked) {
    std::vector<int32_t> ids{int32_t(*bos)};
    for (uint32_t id : tok.encode_ordinary(context + a)) ids.push_back(int32_t(id));
    prompts.push_back(std::move(ids));
  }
  ChatEvalOptions options;
  options.max_new_tokens = 6;
  const std::vector<ChatReply> replies = generate_greedy(model, tok, std::move(prompts), options,
                                                         GreedyStops{control_tokens(tok), {"\n"}});
  // Compared without surrounding spaces: the reply may or may not keep the space.
  auto trim = [](const std::string& x) {
    const size_t a = x.find_first_not_of(' '), b = x.find_last_not_of(' ');
    return a == std::string::npos ? std::string() : x.substr(a, b - a + 1);
  };
  for (size_t i = 0; i < asked.size(); ++i) {
    ++probe.steps;
    probe.correct += trim(replies[i].text) == trim(expected[i]);
    if (probe.samples.size() < 4) probe.samples.push_back(asked[i] + " " + trim(replies[i].text));
  }
  return probe;
}

}  // namespace llmforge
