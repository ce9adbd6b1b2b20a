// In-context learning in the model's own domain: a few-shot task over the world's
// people whose instruction exists only in the examples.
//
//   <|bos|>Ines Varga -> Porto
//   Kenji Marsh -> Auckland
//   Mara Okafor ->
//
// Nothing says which fact is asked; the examples imply it (here the birth city). A
// base model that learned the facts in pretraining, and learned from lists in its
// pretraining text (world/lists.cc: every person in lists of random facts, most
// without a heading) to continue patterns, picks the attribute up from the examples:
// with 0 examples it can only guess which fact is wanted, with 8 it should answer
// nearly as well as it knows the facts. Queries are held-out people (never in SFT
// data); examples are other people, each with a value different from the query's,
// so copying an example never scores.
//
// Every query uses the first k of the same 8 examples at each k, so accuracies at
// different k are directly comparable. The continuation up to its first newline is
// greedy and must equal the answer (normalized as in eval/answer_match.h: case,
// spacing and edge punctuation), not merely contain it: a model that lists cities is
// not doing the task.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/icl.h"
#include "eval/world_eval.h"

namespace llmforge {

struct WorldIclOptions {
  std::vector<int> shots{0, 1, 2, 4, 8};
  int queries_per_attribute = 40;  // evenly spaced through the query split's people
  std::string query_split = "heldout";
  uint64_t seed = 1;
  ChatEvalOptions generation{16, 32};  // max new tokens, batch
};

struct WorldIclResult {
  std::vector<int> shots;
  std::vector<std::string> attributes;              // in first-seen order of the items
  std::vector<std::vector<IclPoint>> by_attribute;  // [attribute][shot index]
  std::vector<IclPoint> overall;                    // [shot index], all attributes pooled
};

// One prompt of the task: the text after <|bos|>, and the answer it asks for.
struct WorldIclPrompt {
  size_t attribute = 0;  // index into the attributes, in first-seen order of the items
  int shots = 0;
  int person = -1;       // the query person
  std::string text;      // "A -> x\nB -> y\nQUERY ->"
  std::string answer;
};
// Every prompt evaluate_world_icl runs, query by query, shots in options order;
// `attributes` receives the attribute names. Throws as evaluate_world_icl does.
std::vector<WorldIclPrompt> world_icl_prompts(const std::vector<QaItem>& items, const WorldIclOptions& options,
                                              std::vector<std::string>* attributes);

// `items` are a world's eval/qa.jsonl (load_qa_items): one per (person, attribute)
// with the answer. Throws Error("eval") when an attribute has no query person, or too
// few other people with a different value to give max(shots) examples, or when a
// prompt does not fit the model's context.
WorldIclResult evaluate_world_icl(const Model& model, const Tokenizer& tok, const std::vector<QaItem>& items,
                                  const WorldIclOptions& options);

// The table `llmforge eval icl --world` prints: attributes as rows, shots as columns.
void print_world_icl(FILE* out, const WorldIclResult& r);
nlohmann::json world_icl_to_json(const WorldIclResult& r);

}  // namespace llmforge
