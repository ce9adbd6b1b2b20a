// `llmforge eval search --model DIR --index DIR --qa FILE...`: working memory against
// fuzzy memory (eval/search_eval.h). Per group of people (the "split" of each QA
// line: qa, heldout, post_crawl), accuracy without tools, with the search tool, and
// with the person's page pasted into the prompt; the share of questions that made the
// model search; and answers that were wrong although the search found the page.
#include <cstdio>
#include <memory>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/atomic_file.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "eval/search_eval.h"
#include "model/model_io.h"
#include "search/search_index.h"

namespace llmforge {
namespace {

int run_eval_search(int argc, char** argv) {
  CliOptions opts("llmforge eval search --model DIR --index DIR --qa FILE[,FILE...] [options]",
                  "Accuracy of a chat model per group of people without tools, with the search\n"
                  "tool, and with the source page in the prompt (e.g. --qa WORLD/eval/qa.jsonl,\n"
                  "WORLD/eval/post_crawl_qa.jsonl and the index of `llmforge index build`).");
  opts.add("model", "", "chat model directory (required)")
      .add("qa", "", "comma-separated QA JSONL files (world/eval/qa.jsonl, world/eval/post_crawl_qa.jsonl)")
      .add("per-group", "0", "questions per group (0: all), evenly spaced")
      .add("max-tokens", "64", "tokens per reply at most")
      .add("samples", "2", "transcripts shown per group")
      .add("json", "", "also write the result as JSON to this file");
  add_tool_options(opts);
  add_precision_option(opts);
  if (!opts.parse(argc, argv)) return 0;
  if (opts.get("model").empty() || opts.get("index").empty() || opts.get("qa").empty())
    ErrorBuilder("cli") << "--model, --index and --qa are required";
  std::vector<QaItem> items;
  for (const std::string& file : split_comma_list(opts.get("qa"))) {
    auto part = load_qa_items(file);
    items.insert(items.end(), part.begin(), part.end());
  }
  items = subsample_qa_items(items, int(opts.get_int("per-group")));
  search::SearchIndex index(opts.get("index"));
  auto model = load_model(opts.get("model"), precision_from_options(opts));
  Tokenizer tok = Tokenizer::load(opts.get("model"));
  SearchEvalOptions o;
  o.max_new_tokens = int(opts.get_int("max-tokens"));
  o.search_k = search_k_from_options(opts);
  o.tools = tool_settings_from_options(opts);
  o.samples_per_group = int(opts.get_int("samples"));
  SearchEvalResult r = evaluate_search(*model, tok, index, items, o);
  std::printf("%s\n", search_eval_table(r).c_str());
  for (const SearchTranscript& s : r.samples) {
    std::printf("[%s] %s\n", s.group.c_str(), s.question.c_str());
    for (const ToolEvent& e : s.events) std::printf("  %s\n", describe_tool_event(e).c_str());
    std::printf("  -> %s (%s)\n", s.reply.c_str(), s.correct ? "correct" : ("expected " + s.expected).c_str());
  }
  std::printf("%ld searches, %.3f ms each on average\n", r.searches, r.search_ms);
  if (!opts.get("json").empty()) write_file_atomic(opts.get("json"), search_eval_to_json(r).dump(2) + "\n");
  return 0;
}

const bool kRegistered = register_command(
    {"eval search", "accuracy per group without tools, with search, and with the page in the prompt",
     run_eval_search});

}  // namespace
}  // namespace llmforge
