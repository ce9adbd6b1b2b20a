#include "rl/task_eval.h"

#include <algorithm>

#include "rl/rewards.h"

namespace llmforge {

double pass_at_k(int n, int c, int k) {
  if (n - c < k) return 1.0;
  // 1 - prod_{i = n-c+1}^{n} (1 - k / i), the numerically stable form.
  double fail = 1.0;
  for (int i = n - c + 1; i <= n; ++i) fail *= 1.0 - double(k) / double(i);
  return 1.0 - fail;
}

std::vector<int32_t> template_stop_tokens(const Tokenizer& tok, PromptTemplate tmpl) {
  std::vector<int32_t> stops{chat_end_token(tok)};
  if (tmpl == PromptTemplate::kR1Zero) stops.push_back(int32_t(tok.bos_id()));
  return stops;
}

std::string completion_text(const Tokenizer& tok, const Completion& c, const std::vector<int32_t>& stops) {
  std::vector<uint32_t> ids(c.tokens.begin(), c.tokens.end());
  if (!ids.empty() && std::find(stops.begin(), stops.end(), int32_t(ids.back())) != stops.end()) ids.pop_back();
  return tok.decode_text(ids);
}

TaskEval evaluate_task(const Model& model, const Tokenizer& tok, const std::vector<TaskItem>& items,
                       const TaskEvalOptions& o) {
  TaskEval ev;
  ev.items = int(items.size());
  if (items.empty()) return ev;
  std::vector<std::vector<int32_t>> prompts;
  std::vector<std::string> prefixes;
  for (const TaskItem& item : items) {
    RenderedPrompt p = render_task_prompt(tok, item, o.prompt_template);
    prompts.push_back(std::move(p.tokens));
    prefixes.push_back(std::move(p.response_prefix));
  }
  const std::vector<int32_t> stops = template_stop_tokens(tok, o.prompt_template);
  RolloutConfig rc;
  rc.samples_per_prompt = 1;
  rc.sampling.temperature = 0;
  rc.max_new_tokens = o.max_new_tokens;
  rc.stop_tokens = stops;
  rc.max_batch = o.max_batch;
  RolloutBatch greedy = generate_rollouts(model, prompts, rc, o.seed);
  double correct = 0, length = 0, format = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const Completion& c = greedy.completions[i];
    ScoredResponse r;
    r.item = &items[i];
    r.text = prefixes[i] + completion_text(tok, c, stops);
    r.tokens = int(c.tokens.size());
    const bool ok = check_answer(items[i], r.text);
    correct += ok;
    length += r.tokens;
    format += format_reward(r);
    if (int(ev.transcripts.size()) < o.transcripts)
      ev.transcripts.push_back({item_question(items[i]), items[i].answer, r.text, ok});
  }
  ev.greedy_accuracy = correct / double(items.size());
  ev.greedy_length = length / double(items.size());
  ev.greedy_format = format / double(items.size());
  if (o.samples <= 0) return ev;
  rc.samples_per_prompt = o.samples;
  rc.sampling.temperature = o.temperature;
  rc.sampling.top_p = o.top_p;
  RolloutBatch sampled = generate_rollouts(model, prompts, rc, o.seed + 1);
  std::vector<int> ks;
  for (int k = 1; k <= o.samples; k *= 2) ks.push_back(k);
  if (ks.back() != o.samples) ks.push_back(o.samples);
  std::vector<double> sums(ks.size(), 0.0);
  for (size_t i = 0; i < items.size(); ++i) {
    int c = 0;
    for (int j = 0; j < o.samples; ++j) {
      const Completion& comp = sampled.completions[i * size_t(o.samples) + size_t(j)];
      c += check_answer(items[i], prefixes[i] + completion_text(tok, comp, stops));
    }
    for (size_t q = 0; q < ks.size(); ++q) sums[q] += pass_at_k(o.samples, c, ks[q]);
  }
  for (size_t q = 0; q < ks.size(); ++q) ev.pass_at_k.push_back({ks[q], sums[q] / double(items.size())});
  return ev;
}

}  // namespace llmforge
