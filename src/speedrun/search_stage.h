// The speedrun's search stage: working memory next to fuzzy memory.
//   1. index     the crawl's clean pages plus the post-crawl pages (world/post_crawl,
//                never pretrained on) in a search index (SQLite FTS5, BM25);
//                build MB/s per core and search latency measured.
//   2. data      SFT conversations that teach when to search: unknown facts (the idk
//                stage's labels at OUT/idk/labels.jsonl when they exist, else the
//                fallback "held-out crawl-only people's facts are unknown") and
//                post-crawl people get a search call, its real result (cut to the
//                token budget) and the answer; known facts of QA people are answered
//                directly. Held-out and post-crawl people are split in halves: one
//                half trains, the other is only ever evaluated.
//   3. sft       the chat model fine-tuned on them (plus part of the original SFT set).
//   4. eval      eval/search_eval.h per group: without tools, with search, page in
//                the prompt; searches triggered; wrong answers despite the page.
// Outputs under OUT/search: index/, sft/{train,val}.jsonl, train/ (model in
// train/model), summary.json; a "## Search" section appended to OUT/report.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "eval/search_eval.h"
#include "speedrun/speedrun.h"
#include "train/distributed.h"

namespace llmforge {

struct SearchStageRecord {
  long documents = 0;
  double index_text_mb = 0, index_seconds = 0, index_cpu_seconds = 0;
  double index_mb_per_s_per_core = 0;
  double search_ms = 0;          // mean over one query per post-crawl person
  std::string unknown_source;    // the labels file, or the fallback's name
  long search_conversations = 0, direct_conversations = 0, original_conversations = 0;
  long reading_conversations = 0;  // a page pasted into the question, the answer read from it
  long fresh_people = 0;           // invented for this data alone (speedrun/search_fresh_people.h)
  long sft_steps = 0;
  double sft_val_loss = -1;
  std::string model_dir;
  SearchEvalResult eval;
  double data_seconds = 0, sft_seconds = 0, eval_seconds = 0;
};

// `chat_model_dir`: the SFT model to start from; `clean_dir`: the data run's clean JSONL.
SearchStageRecord run_search_stage(const SpeedrunPreset& preset, const world::World& world,
                                   const std::string& out_dir, const std::string& clean_dir,
                                   const std::string& chat_model_dir, bool resume, Precision precision,
                                   Distributed& dist);

nlohmann::json search_stage_to_json(const SearchStageRecord& r);
// Appends the "## Search" section to OUT/report.md and a "search" key to report.json.
void append_search_report(const std::string& out_dir, const SearchStageRecord& r);

}  // namespace llmforge
