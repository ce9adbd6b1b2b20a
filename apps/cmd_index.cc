// `llmforge index build --out DIR INPUT...` and `llmforge index search DIR QUERY`: the
// full-text search index (SQLite FTS5, BM25) that the chat model's search tool reads.
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "apps/command.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/timer.h"
#include "data/input_files.h"
#include "search/document_source.h"
#include "search/search_index.h"

namespace llmforge {
namespace {

int run_index_build(int argc, char** argv) {
  CliOptions opts("llmforge index build --out DIR INPUT...",
                  "Builds a full-text search index (SQLite FTS5, BM25 ranking) over documents:\n"
                  "cleaned JSONL, WARC/WET and text files (folders are searched recursively;\n"
                  ".gz and .zst work). Replaces an index already in DIR when it succeeds.");
  opts.add("out", "", "index directory to write")
      .add("format", "auto", "input format: auto (from the file name), jsonl, warc or text");
  opts.allow_positional("INPUT", "files or folders to index");
  if (!opts.parse(argc, argv)) return 0;
  const std::string out = opts.get("out");
  if (out.empty()) ErrorBuilder("cli") << "--out DIR is required";
  if (opts.positional().empty()) ErrorBuilder("cli") << "give at least one INPUT file or folder";
  const auto inputs = data::list_inputs(opts.positional(), opts.get("format"));
  if (inputs.empty()) ErrorBuilder("index") << "no input files found";

  search::IndexWriter writer(out);
  search::SourceStats stats;
  Progress progress("[index] documents", 0, "docs", 5.0);
  Timer timer;
  // CPU time as well as wall time: on a shared machine wall time measures the others.
  const std::clock_t cpu_start = std::clock();
  double read_s = 0;
  search::read_documents(
      inputs, [&](const search::IndexDocument& d) { writer.add(d); },
      [&](const search::SourceStats& s) {
        if (s.documents % 256 != 0) return;
        char extra[96];
        std::snprintf(extra, sizeof extra, "%.1f MB read", double(s.input_bytes) / 1e6);
        progress.update(s.documents, extra);
      },
      stats);
  read_s = timer.seconds();
  std::vector<std::string> paths;
  for (const auto& in : inputs) paths.push_back(in.path);
  writer.commit(paths);
  const double total_s = timer.seconds();
  const double cpu_s = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  char extra[160];
  std::snprintf(extra, sizeof extra, "%.1f MB read, %.1f MB text indexed", double(stats.input_bytes) / 1e6,
                double(writer.text_bytes()) / 1e6);
  progress.finish(extra);
  std::printf(
      "indexed %lld documents (%.2f MB of text, %.2f MB read) from %zu files into %s in %.2f s "
      "(merge %.2f s), %.2f s of CPU: %.1f MB/s of text per core (%.1f MB/s of input); "
      "%lld records skipped, %lld damaged\n",
      (long long)writer.documents(), double(writer.text_bytes()) / 1e6, double(stats.input_bytes) / 1e6,
      inputs.size(), out.c_str(), total_s, total_s - read_s, cpu_s,
      double(writer.text_bytes()) / 1e6 / std::max(cpu_s, 1e-9),
      double(stats.input_bytes) / 1e6 / std::max(cpu_s, 1e-9), (long long)stats.skipped,
      (long long)stats.errors);
  if (!stats.first_error.empty()) std::fprintf(stderr, "[index] first error: %s\n", stats.first_error.c_str());
  if (writer.documents() == 0) ErrorBuilder("index") << "no documents found in the inputs";
  return 0;
}

int run_index_search(int argc, char** argv) {
  CliOptions opts("llmforge index search DIR QUERY [options]",
                  "Searches an index built by `llmforge index build`: the best hits by BM25,\n"
                  "with title, URL and a snippet.");
  opts.add("k", "5", "hits to show")
      .add("repeat", "1", "run the query this many times and report the mean latency")
      .add_flag("json", "print one JSON object per hit");
  opts.allow_positional("DIR QUERY", "index directory, then the query words");
  if (!opts.parse(argc, argv)) return 0;
  const auto& pos = opts.positional();
  if (pos.size() < 2) ErrorBuilder("cli") << "usage: llmforge index search DIR QUERY";
  std::string query;
  for (size_t i = 1; i < pos.size(); ++i) query += (i > 1 ? " " : "") + pos[i];
  const int k = int(opts.get_int("k")), repeat = int(opts.get_int("repeat"));
  if (k <= 0 || repeat <= 0) ErrorBuilder("cli") << "--k and --repeat must be positive";
  search::SearchIndex index(pos[0]);
  Timer timer;
  std::vector<search::SearchHit> hits;
  for (int i = 0; i < repeat; ++i) hits = index.search(query, k);
  const double ms = timer.seconds() * 1e3 / repeat;
  for (size_t i = 0; i < hits.size(); ++i) {
    const auto& h = hits[i];
    if (opts.get_bool("json")) {
      std::printf("%s\n", nlohmann::json{{"rank", i + 1}, {"title", h.title}, {"url", h.url},
                                         {"snippet", h.snippet}, {"score", h.score}}
                              .dump().c_str());
    } else {
      std::printf("%zu. %s\n   %s\n   %s\n", i + 1, h.title.c_str(), h.url.c_str(), h.snippet.c_str());
    }
  }
  std::fprintf(stderr, "[index] %zu hits of %lld documents in %.3f ms\n", hits.size(),
               (long long)index.documents(), ms);
  return 0;
}

const bool kRegistered =
    register_command({"index build", "build a full-text search index (SQLite FTS5, BM25) over documents",
                      run_index_build}) &&
    register_command({"index search", "top hits of a query in a search index", run_index_search});

}  // namespace
}  // namespace llmforge
