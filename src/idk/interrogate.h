// Self-interrogation: find the facts a chat model does not know by asking it.
//
// For every (person, fact) of the people in the crawl, the model is asked
// `samples` differently phrased questions (the world's question templates in turn),
// each reply sampled at `temperature` > 0 through the batched KV-cache generator. A
// judge (judge.h) marks each reply right or wrong. A fact is "known" when at least
// `known_threshold` of the replies are right AND agree on one value (agreement: the
// share of replies stating the most common value); otherwise "unknown". The
// article's observation is why sampling helps: a fact seen often in training gets a
// sharp distribution and the same answer every time, an unseen one a flat
// distribution whose samples disagree.
//
// Labels are JSONL, one line per (person, attribute):
//   {"person": NAME, "person_id": INT, "group": "qa"|"heldout", "attribute": "birth_city",
//    "truth": STR, "label": "known"|"unknown", "agreement": FLOAT, "correct_share": FLOAT,
//    "answers": [STR...], "correct": [BOOL...], "questions": [STR...],
//    "mean_logprob": FLOAT, "first_token_entropy": FLOAT, "judge": "truth"|"pages",
//    "truth_judge_agrees": FLOAT (only when a truth check ran)}
// mean_logprob and first_token_entropy are means over the replies of
// answer_confidence() (scored_generation.h), in nats.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "idk/judge.h"
#include "idk/world_files.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace llmforge::idk {

struct InterrogateOptions {
  int samples = 4;             // K questions per fact
  double temperature = 0.5;    // > 0 (the speedrun's choice, see speedrun/speedrun.h)
  int max_new_tokens = 32;
  int batch = 32;
  double known_threshold = 0.75;
  uint64_t seed = 1;
  std::vector<std::string> groups{"qa", "heldout"};  // people of these splits are asked
};

struct FactLabel {
  std::string person;
  int person_id = -1;
  std::string group, attribute, truth;
  bool known = false;
  double agreement = 0, correct_share = 0;
  std::vector<std::string> answers, questions;
  std::vector<bool> correct;
  double mean_logprob = 0, first_token_entropy = 0;
  std::string judge;
  double truth_judge_agrees = -1;  // share of replies the truth judge rated the same; -1: not checked
};

// `truth_check`, when given, also rates every reply, for truth_judge_agrees.
std::vector<FactLabel> interrogate(const Model& model, const Tokenizer& tok, const std::vector<WorldPerson>& people,
                                   const Judge& judge, const InterrogateOptions& options,
                                   const Judge* truth_check = nullptr);

// The label of one fact from its replies and their verdicts (exposed for tests).
// `values`: each reply's normalized value ("refusal" for refusals).
void label_fact(FactLabel& label, const std::vector<std::string>& values, double known_threshold);

// Counts of known and unknown facts per group, the mean confidence of each, and how
// often the truth judge agreed with the judge used (when it was checked).
nlohmann::json labels_summary(const std::vector<FactLabel>& labels);

// Atomic write; read throws Error("idk") naming file:line for a line that does not
// parse or lacks a field.
void write_labels(const std::string& path, const std::vector<FactLabel>& labels);
std::vector<FactLabel> read_labels(const std::string& path);

}  // namespace llmforge::idk
