// Chat replies with the model's confidence in each token: every prompt is a chat
// (rendered with render_chat) with its own sampler settings, decoded in batches
// through the KV-cache generator (infer/batch_generator.h), which reports each
// token's log-probability and the entropy of its distribution. Greedy prompts
// (temperature 0) give the same reply whatever else is in the batch; sampled ones
// depend only on their own seed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "infer/chat_format.h"
#include "infer/sampler.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace llmforge::idk {

struct ScoredPrompt {
  std::vector<ChatMessage> chat;  // ends with a user message
  SamplerSettings sampling;
};

struct ScoredReply {
  std::string text;                      // without the stop token
  std::vector<int32_t> tokens;           // the tokens of `text`
  std::vector<size_t> token_end;         // byte offset in `text` where each token ends
  std::vector<float> logprobs, entropies;  // per token of `text` (nats)
  std::string finish;                    // "stop" or "length"
};

// Throws Error("idk") when a prompt leaves no room in the model's context.
std::vector<ScoredReply> generate_scored(const Model& model, const Tokenizer& tok, std::vector<ScoredPrompt> prompts,
                                         int max_new_tokens, int batch);

// The model's confidence in the value an answer states (judge.h's answer_value_span):
// the entropy of the distribution the value's first token was drawn from, and the
// mean log-probability of the value's tokens. Without a value (a refusal, an empty
// reply) both are over the whole reply, and has_value is false.
struct AnswerConfidence {
  double first_token_entropy = 0;
  double mean_logprob = 0;
  bool has_value = false;
};
AnswerConfidence answer_confidence(const ScoredReply& reply, std::string_view question);

}  // namespace llmforge::idk
