// In-context learning on a base model: few-shot accuracy on a pattern task as the
// number of examples in the prompt grows. A base model is an autocomplete; given
// "k examples of input -> output" and a new input, a model that has learned to
// learn from context continues the pattern, and accuracy rises with k.
//
// Prompts: BOS, then k lines "input -> output\n", then "query ->". The answer is
// the greedy continuation up to the first newline, compared after trimming spaces.
// Every trial uses the same query and the same first k of its examples for each k,
// so accuracies at different k are directly comparable.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/model.h"

namespace llmforge {

struct IclTextCodec {
  std::function<std::vector<int32_t>(const std::string&)> encode;  // no BOS
  std::function<std::string(const std::vector<int32_t>&)> decode;
  int32_t bos = -1;
};

// Codec for byte-level models (256 bytes + BOS 256, as pretrained on byte shards).
IclTextCodec byte_level_codec();

struct IclPoint {
  int examples = 0;
  int correct = 0;
  int trials = 0;
  double accuracy() const { return trials ? double(correct) / trials : 0.0; }
};

// Task names: "copy" (word -> same word), "swap" (two words -> them reversed),
// "first" (three words -> the first one). Throws Error for another name.
std::vector<IclPoint> evaluate_icl(Model& model, const IclTextCodec& codec, const std::string& task,
                                   const std::vector<int>& shots, int trials, uint64_t seed);

// One (input, output) example of the task, for building prompts and training data.
std::pair<std::string, std::string> icl_example(const std::string& task, uint64_t index);

}  // namespace llmforge
