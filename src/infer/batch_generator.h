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
};

enum class FinishReason { kNone, kStop, kLength, kCancelled };
const char* finish_reason_name(FinishReason r);  // "stop", "length", "cancelled"

struct SequenceUpdate {
  int id = -1;
  std::vector<int32_t> tokens;  // sampled this step
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
    int generated = 0;
    std::string text;          // all generated text (bytes)
    size_t emitted = 0;        // bytes of `text` released
  };
  // Samples from logits, records the token and fills `u`; frees the slot when done.
  void advance(int slot, const float* logits, SequenceUpdate& u);
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
