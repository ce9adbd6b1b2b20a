// Token samplers composed into a chain, as in llama.cpp: each stage transforms a list
// of candidates (id, logit) and the last one picks a token. The default chain, built
// from SamplerSettings by make_sampler_chain, runs in llama.cpp's order:
//   logit bias -> penalties (repetition, presence, frequency) -> top-k -> top-p ->
//   min-p -> temperature -> draw (or greedy when temperature <= 0)
// A chain owns its state: the recent tokens the penalties look at and the RNG, so
// every sequence gets its own chain and the same seed gives the same tokens whatever
// else runs in the batch. Not thread-safe; one chain per sequence.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"

namespace llmforge {

struct SamplerSettings {
  double temperature = 0.8;  // <= 0: greedy (argmax, lowest id on ties)
  int top_k = 0;             // 0: off
  double top_p = 1.0;        // 1: off
  double min_p = 0.0;        // 0: off; keeps p >= min_p * max p
  double repetition_penalty = 1.0;  // 1: off; llama.cpp/CTRL style (divide positive logits)
  double presence_penalty = 0.0;    // OpenAI: -= presence if the token occurred
  double frequency_penalty = 0.0;   // OpenAI: -= frequency * occurrences
  int penalty_last_n = 64;          // how many recent tokens the penalties see (0: none)
  std::vector<std::pair<int32_t, float>> logit_bias;  // added to the logit of the id
  uint64_t seed = 0;

  // Throws Error("sampler") naming the first field out of range.
  void validate() const;
};

struct Candidate {
  int32_t id;
  float logit;
};

// The state a stage may read: recent tokens, newest last.
struct SamplerContext {
  std::deque<int32_t> recent;
  Rng rng;
};

class SamplerStage {
 public:
  virtual ~SamplerStage() = default;
  virtual std::string name() const = 0;
  // Filters or rescales `cands` in place. A selecting stage leaves exactly one.
  virtual void apply(std::vector<Candidate>& cands, SamplerContext& ctx) = 0;
};

std::unique_ptr<SamplerStage> make_logit_bias(std::vector<std::pair<int32_t, float>> bias);
std::unique_ptr<SamplerStage> make_penalties(double repetition, double presence, double frequency);
std::unique_ptr<SamplerStage> make_top_k(int k);
std::unique_ptr<SamplerStage> make_top_p(double p);
std::unique_ptr<SamplerStage> make_min_p(double p);
std::unique_ptr<SamplerStage> make_temperature(double t);
std::unique_ptr<SamplerStage> make_greedy();
std::unique_ptr<SamplerStage> make_draw();  // samples from softmax(logits) with the RNG

class SamplerChain {
 public:
  explicit SamplerChain(uint64_t seed = 0, int history = 64);
  SamplerChain& add(std::unique_ptr<SamplerStage> stage);

  // Picks the next token from logits (V). Does not record it: call accept().
  int32_t sample(const float* logits, int vocab);
  // Records a token for the penalties (generated tokens; the prompt too if wanted).
  void accept(int32_t token);
  // "bias -> penalties -> top-k -> ... -> draw": what runs, for logs and --help.
  std::string describe() const;

 private:
  std::vector<std::unique_ptr<SamplerStage>> stages_;
  SamplerContext ctx_;
  int history_;
  std::vector<Candidate> cands_;
};

// The default chain for the settings (stages that are off are left out).
SamplerChain make_sampler_chain(const SamplerSettings& s);

}  // namespace llmforge
