#include "idk/scored_generation.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "eval/world_eval.h"
#include "idk/judge.h"
#include "infer/batch_generator.h"

namespace llmforge::idk {

std::vector<ScoredReply> generate_scored(const Model& model, const Tokenizer& tok, std::vector<ScoredPrompt> prompts,
                                         int max_new_tokens, int batch) {
  if (max_new_tokens <= 0) ErrorBuilder("idk") << "max_new_tokens must be positive";
  if (batch <= 0) ErrorBuilder("idk") << "batch must be positive";
  std::vector<ScoredReply> replies(prompts.size());
  if (prompts.empty()) return replies;
  std::vector<std::vector<int32_t>> ids;
  size_t longest = 0;
  for (const ScoredPrompt& p : prompts) {
    ids.push_back(render_chat(tok, p.chat, /*add_generation_prompt=*/true).tokens);
    longest = std::max(longest, ids.back().size());
  }
  // A cache only as long as these short prompts need (see eval/world_eval.cc).
  const int context = model.config().max_seq_len;
  const int max_len = int(std::min<size_t>(size_t(context), longest + size_t(max_new_tokens) + 1));
  for (size_t i = 0; i < ids.size(); ++i) {
    if (int(ids[i].size()) >= max_len) {
      ErrorBuilder("idk") << "prompt " << i << " is " << ids[i].size() << " tokens, which leaves no room in the model's context of "
                          << context;
    }
  }
  const std::vector<int32_t> stops = control_tokens(tok);
  BatchGenerator gen(model, &tok, std::min<int>(batch, int(prompts.size())), max_len);
  std::map<int, size_t> index_of;
  size_t next = 0, done = 0;
  while (done < prompts.size()) {
    while (next < prompts.size() && gen.has_free_slot()) {
      GenerationRequest r;
      r.prompt = std::move(ids[next]);
      r.sampling = prompts[next].sampling;
      r.max_new_tokens = max_new_tokens;
      r.stop_tokens = stops;
      r.confidence = true;
      index_of[gen.add(std::move(r))] = next++;
    }
    for (const SequenceUpdate& u : gen.step()) {
      ScoredReply& reply = replies[index_of.at(u.id)];
      for (size_t k = 0; k < u.tokens.size(); ++k) {
        if (std::find(stops.begin(), stops.end(), u.tokens[k]) != stops.end()) continue;
        // The token's own bytes, not u.text: the generator may hold text back a step.
        reply.text += tok.token_bytes(uint32_t(u.tokens[k]));
        reply.token_end.push_back(reply.text.size());
        reply.tokens.push_back(u.tokens[k]);
        reply.logprobs.push_back(u.model_logprobs[k]);
        reply.entropies.push_back(u.entropies[k]);
      }
      if (u.finish != FinishReason::kNone) {
        reply.finish = finish_reason_name(u.finish);
        ++done;
      }
    }
  }
  return replies;
}

AnswerConfidence answer_confidence(const ScoredReply& reply, std::string_view question) {
  AnswerConfidence c;
  if (reply.logprobs.empty()) return c;
  const ValueSpan v = answer_value_span(reply.text, question);
  size_t first = 0, last = reply.logprobs.size();  // tokens [first, last)
  if (!v.empty()) {
    // Tokens overlapping [v.begin, v.end): token k covers [token_end[k-1], token_end[k]).
    first = size_t(std::upper_bound(reply.token_end.begin(), reply.token_end.end(), v.begin) - reply.token_end.begin());
    last = size_t(std::lower_bound(reply.token_end.begin(), reply.token_end.end(), v.end) - reply.token_end.begin()) + 1;
    last = std::min(last, reply.logprobs.size());
    c.has_value = first < last;
    if (!c.has_value) first = 0, last = reply.logprobs.size();
  }
  c.first_token_entropy = reply.entropies[first];
  double sum = 0;
  for (size_t k = first; k < last; ++k) sum += reply.logprobs[k];
  c.mean_logprob = sum / double(last - first);
  return c;
}

}  // namespace llmforge::idk
