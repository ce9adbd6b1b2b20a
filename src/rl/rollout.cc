#include "rl/rollout.h"

#include <algorithm>

#include "core/error.h"
#include "core/rng.h"
#include "core/timer.h"

namespace llmforge {

uint64_t rollout_seed(uint64_t seed, int prompt, int sample) {
  Rng rng(seed ^ (uint64_t(uint32_t(prompt)) << 32 | uint32_t(sample)) * 0x9E3779B97F4A7C15ull);
  return rng.next_u64();
}

RolloutBatch generate_rollouts(const Model& model, const std::vector<std::vector<int32_t>>& prompts,
                               const RolloutConfig& cfg, uint64_t seed) {
  if (cfg.samples_per_prompt <= 0) ErrorBuilder("rl") << "samples per prompt must be positive";
  if (cfg.max_batch <= 0) ErrorBuilder("rl") << "rollout batch must be positive";
  const int G = cfg.samples_per_prompt;
  const int total = int(prompts.size()) * G;
  RolloutBatch out;
  out.completions.resize(size_t(total));
  if (total == 0) return out;
  // The cache only as long as the longest prompt plus its completion needs.
  size_t longest = 0;
  for (const auto& p : prompts) longest = std::max(longest, p.size());
  const int max_len = std::min<long>(model.config().max_seq_len, long(longest) + cfg.max_new_tokens + 1);
  Timer timer;
  BatchGenerator gen(model, nullptr, std::min(cfg.max_batch, total), max_len);
  std::vector<int> index_of_id;  // generator id -> completion index
  int next = 0;
  auto fill = [&] {
    while (next < total && gen.has_free_slot()) {
      const int p = next / G, j = next % G;
      GenerationRequest r;
      r.prompt = prompts[size_t(p)];
      r.sampling = cfg.sampling;
      r.sampling.seed = rollout_seed(seed, p, j);
      r.max_new_tokens = cfg.max_new_tokens;
      r.stop_tokens = cfg.stop_tokens;
      r.logprobs = true;
      const int id = gen.add(std::move(r));
      if (int(index_of_id.size()) <= id) index_of_id.resize(size_t(id) + 1, -1);
      index_of_id[size_t(id)] = next;
      Completion& c = out.completions[size_t(next)];
      c.prompt = p, c.sample = j;
      out.prompt_tokens += long(prompts[size_t(p)].size());
      ++next;
    }
  };
  fill();
  while (gen.active() > 0) {
    for (SequenceUpdate& u : gen.step()) {
      Completion& c = out.completions[size_t(index_of_id[size_t(u.id)])];
      c.tokens.insert(c.tokens.end(), u.tokens.begin(), u.tokens.end());
      c.logprobs.insert(c.logprobs.end(), u.logprobs.begin(), u.logprobs.end());
      if (u.finish != FinishReason::kNone) c.finish = u.finish;
    }
    fill();  // a finished sequence's slot takes the next sample at once
  }
  for (const Completion& c : out.completions) out.completion_tokens += long(c.tokens.size());
  out.seconds = timer.seconds();
  return out;
}

}  // namespace llmforge
