// Hallucination measured on a synthetic world. Greedy replies (scored_generation.h)
// to two sets of questions:
//   facts     the world's QA questions about the people in the crawl
//             (eval/qa.jsonl): accuracy, refusals, and for each split
//             coverage (share answered, not refused) and selective accuracy (share
//             right among the answered); with interrogation labels, the refusal
//             rate on facts labelled known (over-refusal) and unknown
//   nobody    questions about people who occur nowhere (eval/nobody.jsonl, plausible
//             and gibberish names): the hallucination rate is the share of replies
//             that assert something instead of refusing (refusal.h)
// Every reply keeps the model's confidence in its value (answer_confidence), the
// data of the confidence plot: known facts against unknown ones.
#pragma once

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/world_eval.h"
#include "idk/interrogate.h"
#include "idk/world_files.h"

namespace llmforge::idk {

struct FactReply {
  int person = -1;
  std::string split, attribute, question, reply;
  bool correct = false, refused = false;
  std::string label;  // "known", "unknown" or "" (no label)
  double first_token_entropy = 0, mean_logprob = 0;
};

struct StrangerReply {
  std::string name, kind, attribute, question, reply;
  bool refused = false;
  double first_token_entropy = 0, mean_logprob = 0;
};

struct Rate {
  long hits = 0, total = 0;
  double rate() const { return total ? double(hits) / double(total) : 0.0; }
  void add(bool hit) { hits += hit, ++total; }
};

struct SplitStats {
  Rate correct, refused;
  Rate selective;  // correct among the answered
  double coverage() const { return 1.0 - refused.rate(); }
};

struct HallucinationResult {
  std::map<std::string, Rate> hallucination;  // kind ("unseen", "gibberish", "all") -> asserted
  std::map<std::string, SplitStats> by_split;  // "qa", "heldout"
  Rate refused_known, refused_unknown;         // facts with labels
  std::vector<FactReply> facts;
  std::vector<StrangerReply> strangers;
};

struct HallucinationOptions {
  int max_new_tokens = 48;
  int batch = 32;
};

// `labels` may be empty (no over-refusal numbers).
HallucinationResult evaluate_hallucination(const Model& model, const Tokenizer& tok, const std::vector<QaItem>& qa,
                                           const std::vector<NobodyQuestion>& nobody,
                                           const std::vector<FactLabel>& labels, const HallucinationOptions& options);

nlohmann::json hallucination_to_json(const HallucinationResult& r);
void print_hallucination(std::FILE* out, const HallucinationResult& r);

// Histograms of first-token entropy of the answer's value: known facts, unknown
// facts and never-seen people, one panel per (title, result), e.g. before and after.
std::string confidence_plot_svg(const std::vector<std::pair<std::string, const HallucinationResult*>>& panels);

}  // namespace llmforge::idk
