// Many sequences generated together: each gets a KV-cache slot and its own sampler
// chain; step() prefills the sequences added since the last step and decodes one
// token for every other active sequence in a single batched forward. This is what
// the server's scheduler, `llmforge generate --n`, and RL sampling drive.
//
// A sequence ends at a stop token (kept in `tokens`, left out of the text), at a stop
// string (the text is cut before it), after max_new_tokens, or when prompt plus
// output fills the context (finish kLength). Text comes out incrementally and never
// splits a UTF-8 character or shows the start of a stop string that may still
// complete.
//
// Tool calls: a sampled pause token (the end of a tool call) ends the step with
// finish kToolCall but keeps the sequence and its cache; the caller runs the tool
// and calls resume() with the result's tokens, which the next step() appends to the
// cache after the pause token (no re-prefill of the conversation), or cancel().
//
// Not thread-safe: one thread owns a generator (it owns an InferenceEngine).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "infer/engine.h"
#include "infer/sampler.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

struct GenerationRequest {
  std::vector<int32_t> prompt;
  SamplerSettings sampling;
  int max_new_tokens = 64;
  std::vector<int32_t> stop_tokens;
  std::vector<std::string> stop_strings;  // needs a tokenizer
  std::vector<int32_t> pause_tokens;      // e.g. <|/tool_call|>: pause for resume()
  // Record each sampled token's log-probability under softmax(logits / temperature)
  // (temperature 1 when greedy), the whole distribution before top-k/top-p: the
  // policy's probability of the token, which RL's importance ratios need.
  bool logprobs = false;
  // Report each sampled token's log-probability and the entropy of the distribution,
  // both under the model's own softmax (temperature 1, before any sampler stage):
  // confidence measures for self-interrogation (src/idk).
  bool confidence = false;
};

enum class FinishReason { kNone, kStop, kLength, kCancelled, kToolCall };
// "stop", "length", "cancelled", "tool_calls" (OpenAI's name for the last)
const char* finish_reason_name(FinishReason r);

struct SequenceUpdate {
  int id = -1;
  std::vector<int32_t> tokens;  // sampled this step
  std::vector<float> logprobs;  // of `tokens` at the sampling temperature (request.logprobs)
  // Of `tokens` under the model's own softmax, and its entropy (request.confidence; nats).
  std::vector<float> model_logprobs, entropies;
  std::string text;             // text released this step (may be empty)
  FinishReason finish = FinishReason::kNone;
  int prompt_tokens = 0;
  int completion_tokens = 0;  // so far
};

class BatchGenerator {
 public:
  // `tok` may be null: then no text and no stop strings. `max_len` 0: model context.
  // `weights`: the engine's weight storage type (infer/weight_store.h).
  BatchGenerator(const Model& model, const Tokenizer* tok, int max_batch, int max_len = 0,
                 WeightType weights = WeightType::kF32);

  int max_batch() const { return engine_.n_slots(); }
  int max_len() const { return engine_.max_len(); }
  int active() const { return n_active_; }
  bool has_free_slot() const { return n_active_ < max_batch(); }
  const InferenceEngine& engine() const { return engine_; }

  // Returns the sequence id. Throws Error("generate") for an empty prompt, a prompt
  // that leaves no room in the context, bad settings, or no free slot.
  int add(GenerationRequest request);
  // Frees the sequence's slot now; unknown ids are ignored.
  void cancel(int id);
  // Continues a sequence that paused (finish kToolCall): the next step() appends
  // `tokens` after the pause token and samples on. When they do not fit in the
  // context the sequence finishes with kLength in that step. Throws Error("generate")
  // for an id that is not paused or a token outside the vocabulary.
  void resume(int id, const std::vector<int32_t>& tokens);
  // One step; updates for every sequence that produced a token or finished.
  std::vector<SequenceUpdate> step();

  // Tokens processed by step() so far.
  int64_t prefill_tokens() const { return prefill_tokens_; }
  int64_t decoded_tokens() const { return decoded_tokens_; }

 private:
  struct Sequence {
    int id;
    GenerationRequest req;
    SamplerChain chain;
    int len = 0;               // tokens in the cache
    bool prefilled = false;
    int32_t pending = -1;      // sampled, not yet in the cache
    bool paused = false;       // waiting for resume()
    bool resumed = false;      // `append` goes into the cache in the next step
    std::vector<int32_t> append = {};
    int generated = 0;
    std::string text;          // all generated text (bytes)
    size_t emitted = 0;        // bytes of `text` released
  };
  // A token drawn from one row of logits, with the log-probabilities asked for.
  struct Drawn {
    int32_t token = -1;
    float logprob = 0, model_logprob = 0, entropy = 0;
  };
  // Touches only the sequence's own sampler, so the rows of a decode step can be
  // drawn in parallel.
  Drawn draw(Sequence& s, const float* logits);
  // Records a drawn token and fills `u`; frees the slot when done.
  void advance(int slot, const Drawn& d, SequenceUpdate& u);
  void release_text(Sequence& s, bool final, std::string& out);

  InferenceEngine engine_;
  const Tokenizer* tok_;
  std::vector<std::optional<Sequence>> slots_;
  int n_active_ = 0;
  int next_id_ = 0;
  std::vector<float> logits_;
  int64_t prefill_tokens_ = 0, decoded_tokens_ = 0;
};

// One prompt's tokens without a tokenizer: pretraining samples, in-context
// evaluations and tests. `keep_going`, when given, sees the new tokens after each
// one (the last one too) and returns false to stop early. Returns the new tokens (a stop token that
// ended the sequence included). Throws Error("generate") as BatchGenerator::add.
std::vector<int32_t> generate_tokens(const Model& model, const std::vector<int32_t>& prompt,
                                     const SamplerSettings& sampling, int max_new_tokens,
                                     const std::vector<int32_t>& stop_tokens = {},
                                     const std::function<bool(const std::vector<int32_t>&)>& keep_going = nullptr);

}  // namespace llmforge
