#include "rl/gold_eval.h"

#include "infer/chat_format.h"
#include "rl/grpo_loss.h"
#include "rl/reward_model.h"
#include "rl/rollout.h"
#include "rl/task_eval.h"

namespace llmforge {

GoldEval evaluate_gold(const Model& policy, const Tokenizer& tok, const GoldPreference& gold,
                       const std::vector<OpenPrompt>& prompts, Model* reward_model, int samples,
                       int max_new_tokens, uint64_t seed, Model* heldout_reward_model, int keep_examples,
                       Model* reference) {
  GoldEval ev;
  if (prompts.empty()) return ev;
  const std::vector<int32_t> stops{chat_end_token(tok)};
  std::vector<std::vector<int32_t>> tokens;
  for (const OpenPrompt& p : prompts) tokens.push_back(render_chat(tok, {{"user", p.text}}, true).tokens);
  RolloutConfig rc;
  rc.samples_per_prompt = samples;
  rc.max_new_tokens = max_new_tokens;
  rc.stop_tokens = stops;
  const RolloutBatch batch = generate_rollouts(policy, tokens, rc, seed);
  std::vector<std::vector<int32_t>> scored;
  // Examples: the first sample of each prompt, so keep_examples shows as many prompts.
  std::vector<size_t> example_rows;
  std::vector<bool> shown(prompts.size(), false);
  for (const Completion& c : batch.completions) {
    const std::string text = completion_text(tok, c, stops);
    const double g = gold.score(prompts[size_t(c.prompt)], text).gold;
    ev.gold += g;
    ev.length += double(c.tokens.size());
    if (int(ev.examples.size()) < keep_examples && !shown[size_t(c.prompt)]) {
      shown[size_t(c.prompt)] = true;
      example_rows.push_back(scored.size());
      ev.examples.push_back({prompts[size_t(c.prompt)].text, text, g, 0});
    }
    std::vector<int32_t> s = tokens[size_t(c.prompt)];
    s.insert(s.end(), c.tokens.begin(), c.tokens.end());
    scored.push_back(std::move(s));
  }
  if (reward_model) {
    const std::vector<float> proxy = score_sequences(*reward_model, scored);
    for (float x : proxy) ev.proxy += x;
    for (size_t i = 0; i < ev.examples.size(); ++i) ev.examples[i].proxy = proxy[example_rows[i]];
  }
  if (heldout_reward_model)
    for (float x : score_sequences(*heldout_reward_model, scored)) ev.heldout_proxy += x;
  if (reference) {
    // One sequence a forward pass: evaluations are small, and no padding to mask.
    const int V = reference->config().vocab_size;
    for (size_t i = 0; i < scored.size(); ++i) {
      const Completion& c = batch.completions[i];
      const std::vector<int32_t>& s = scored[i];
      const int n = int(s.size()) - 1, first = n - int(c.tokens.size());  // targets s[1..n]
      std::vector<int32_t> targets(s.begin() + 1, s.end());
      for (int k = 0; k < first; ++k) targets[size_t(k)] = -1;
      std::vector<float> ref(size_t(n), 0.0f);
      reference->forward(s.data(), 1, n);
      reference->for_each_logits_chunk([&](int r0, int rn, const float* logits) {
        token_logprobs(logits, targets.data() + r0, rn, V, rc.sampling.temperature, ref.data() + r0);
      });
      for (size_t k = 0; k < c.tokens.size(); ++k) ev.kl += double(c.logprobs[k]) - double(ref[size_t(first) + k]);
    }
  }
  ev.samples = long(batch.completions.size());
  ev.gold /= double(ev.samples), ev.proxy /= double(ev.samples), ev.length /= double(ev.samples);
  ev.heldout_proxy /= double(ev.samples), ev.kl /= double(ev.samples);
  return ev;
}

}  // namespace llmforge
