// What the base model learned from the arithmetic practice text, asked the way it
// learned it: each step of the held-out worked answers ("13 + 7 = 20") is cut after
// its "=" and continued greedily after <|bos|> and two other steps (the opening of a
// practice document); the step is right when the continuation up to the line's end
// is the result. The GRPO task chains these steps, so this is the ceiling a route
// can build on: a model that cannot do one step cannot be rewarded for four.
#pragma once

#include <string>
#include <vector>

#include "model/model.h"
#include "rl/task.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

struct ArithmeticProbe {
  int steps = 0, correct = 0;
  double accuracy() const { return steps > 0 ? double(correct) / steps : 0.0; }
  // A few probed lines as the model completed them ("13 + 7 = 21"), for the report.
  std::vector<std::string> samples;
};

// Probes the distinct steps of the worked answers of `items` (built-in arithmetic
// questions "What is ...?"), at most `max_steps` of them after the two that open
// every prompt.
ArithmeticProbe probe_arithmetic_steps(const Model& model, const Tokenizer& tok, const std::vector<TaskItem>& items,
                                       int max_steps);

}  // namespace llmforge
