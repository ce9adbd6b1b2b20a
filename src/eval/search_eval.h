// Working memory against fuzzy memory: QA accuracy of a chat model per group of
// people (qa: facts trained by SFT; heldout: facts only in the crawl; post_crawl:
// facts only in the search index) three ways:
//   without tools   the model may not search (its tool-call token is masked out);
//   with tools      it may call search (ToolCallSession over the index);
//   page in prompt  the person's page, cut to the result budget, is pasted before the
//                   question: the ceiling of reading from the context window.
// Also the share of questions that triggered a search, how often a search found the
// person's page, and answers that were wrong although the page was in the results.
// Greedy decoding, one question at a time.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/world_eval.h"
#include "infer/tool_calls.h"
#include "model/model.h"
#include "search/search_index.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

struct SearchEvalOptions {
  int max_new_tokens = 64;
  int search_k = 2;
  ToolSettings tools;
  int samples_per_group = 2;  // transcripts kept per group for the report
};

struct SearchGroupResult {
  std::string group;
  long questions = 0;
  long correct_without = 0, correct_with = 0, correct_page = 0;
  long searched = 0;           // questions (with tools) where the model called search
  long hit = 0;                // ... and a hit was the person's page
  long wrong_despite_hit = 0;  // ... and the answer was still wrong
  double rate(long n) const { return questions ? double(n) / double(questions) : 0.0; }
};

struct SearchTranscript {
  std::string group, question, expected, reply;
  std::vector<ToolEvent> events;
  bool correct = false;
};

struct SearchEvalResult {
  std::vector<SearchGroupResult> groups;  // in the order groups first appear
  std::vector<SearchTranscript> samples;
  double search_ms = 0;  // mean latency of the searches the model made
  long searches = 0;
};

// The person's own page from the index (the first hit titled with `name`), cut to
// `budget` tokens: what "the source page pasted in the prompt" pastes, in evaluation
// and in the search fine-tuning's reading conversations alike. Empty when no hit is
// titled with the name.
std::string pasted_person_page(const search::SearchIndex& index, const Tokenizer& tok, const std::string& name,
                               int budget);

SearchEvalResult evaluate_search(const Model& model, const Tokenizer& tok, const search::SearchIndex& index,
                                 const std::vector<QaItem>& items, const SearchEvalOptions& options);

nlohmann::json search_eval_to_json(const SearchEvalResult& r);
// A markdown table (group, questions, the three accuracies, searched, wrong despite a hit).
std::string search_eval_table(const SearchEvalResult& r);

}  // namespace llmforge
