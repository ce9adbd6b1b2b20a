// Held-out evaluation of a policy on a verifiable task: greedy accuracy (one
// temperature-0 response per item) and pass@k for k = 1, 2, 4, ... up to n samples
// per item at the sampling temperature, with the unbiased estimator of Chen et al.
// (2021): pass@k = 1 - C(n - c, k) / C(n, k) for c correct of n, averaged over items.
// Both go through the batched rollout engine (rl/rollout.h).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/model.h"
#include "rl/rollout.h"
#include "rl/task.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

struct TaskEvalOptions {
  PromptTemplate prompt_template = PromptTemplate::kChat;
  int max_new_tokens = 128;
  int samples = 8;  // n for pass@k (0: greedy only)
  double temperature = 1.0, top_p = 1.0;
  uint64_t seed = 1;
  int max_batch = 64;
  int transcripts = 3;  // greedy responses kept for reports
};

struct Transcript {
  std::string question, answer, response;
  bool correct = false;
};

struct TaskEval {
  int items = 0;
  double greedy_accuracy = 0;
  double greedy_length = 0;  // mean response tokens
  double greedy_format = 0;  // share in the <think>...</think>answer format
  std::vector<std::pair<int, double>> pass_at_k;  // (k, pass@k)
  std::vector<Transcript> transcripts;
};

// Prompts that the model's context cannot hold are the caller's business
// (grpo.cc drops them, naming each).
TaskEval evaluate_task(const Model& model, const Tokenizer& tok, const std::vector<TaskItem>& items,
                       const TaskEvalOptions& options);

// pass@k of one item with c correct of n samples.
double pass_at_k(int n, int c, int k);

// The stop tokens of a template: <|end|> (and <|bos|> for a base model's r1zero).
std::vector<int32_t> template_stop_tokens(const Tokenizer& tok, PromptTemplate tmpl);
// A completion's text: its tokens without a final stop token, decoded.
std::string completion_text(const Tokenizer& tok, const Completion& c, const std::vector<int32_t>& stops);

}  // namespace llmforge
