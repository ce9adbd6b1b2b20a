// The data pipeline: raw inputs -> clean JSONL and token shards, in three stages
// that each leave finished, atomically written files behind, so that a rerun
// resumes where an interrupted run stopped and a run can be split across machines.
//
//   stage 1 "filter"  (per input file, parallel, sliceable with --shard i/n):
//       read -> extract text -> URL filter -> language -> Gopher repetition ->
//       Gopher quality -> C4 -> FineWeb -> PII masking; writes the surviving
//       documents, their MinHash signatures and the file's statistics.
//   stage 2 "dedup"   (one process, over the signatures of all slices):
//       exact and MinHash-LSH duplicates, streamed through disk partitions.
//   stage 3 "write"   (per input file, parallel, sliceable):
//       drops the duplicates, writes clean JSONL and, given a tokenizer, train and
//       validation token shards.
// Output folder layout (all under `output_dir`):
//   manifest.json                      the input list, checked on every rerun
//   stage1/NNNNNN.docs.jsonl.zst, .sig, .stats.json  (stats last: the "done" mark)
//   dedup/NNNNNN.removed, dedup/stats.json
//   clean/NNNNNN.jsonl[.zst], tokens/{train,val}-NNNNNN.bin, stage3/NNNNNN.stats.json
//   report.json, report.txt
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/dedup.h"
#include "data/filters.h"
#include "data/html_extract.h"
#include "data/minhash.h"
#include "data/pii.h"
#include "data/report.h"
#include "data/url_filter.h"

namespace llmforge::data {

// What the write stage needs from a tokenizer. One instance per worker thread.
struct TokenEncoder {
  virtual ~TokenEncoder() = default;
  virtual std::vector<uint32_t> encode(std::string_view text) = 0;
  virtual uint32_t bos_id() const = 0;
  virtual uint32_t vocab_size() const = 0;
};
using TokenEncoderFactory = std::function<std::unique_ptr<TokenEncoder>()>;

struct PipelineConfig {
  std::vector<std::string> inputs;
  std::string output_dir;
  std::string input_format = "auto";
  std::string text_field = "text";
  int threads = 0;  // 0: all cores
  int shard_index = 0;
  int shard_count = 1;
  size_t explain = 5;  // removed examples kept per reason

  // Limits that bound memory per worker.
  size_t max_record_bytes = 64 << 20;
  size_t max_line_bytes = 32 << 20;
  size_t max_text_bytes = 4 << 20;

  // Filters.
  UrlFilterConfig url;
  std::vector<std::string> languages = {"en"};  // empty: keep every language
  double language_threshold = 0.65;
  bool language_filter = true;
  GopherRepetitionConfig gopher_repetition;
  GopherQualityConfig gopher_quality;
  C4Config c4;
  FineWebConfig fineweb;
  PiiConfig pii;
  HtmlExtractOptions html;

  // Dedup.
  bool dedup_exact = true;
  bool dedup_minhash = true;
  MinHashConfig minhash;
  uint64_t dedup_memory_bytes = 1ull << 30;

  // Outputs.
  int jsonl_zstd_level = 3;  // 0: plain .jsonl
  double val_fraction = 0.01;
  TokenEncoderFactory tokenizer;  // empty: no token shards
  // Names the tokenizer's content (name or path plus a hash of its files): a rerun
  // with another tokenizer or val_fraction rewrites the shards of finished files.
  std::string tokenizer_id;
};

// Each stage skips the input files it already finished. Throws Error("data") for
// bad configuration (inputs changed since the first run, missing stage 1 results
// before dedup, ...). Input errors are counted, never thrown.
void run_filter_stage(const PipelineConfig& config);
void run_dedup_stage(const PipelineConfig& config);
void run_write_stage(const PipelineConfig& config);
// Merges the statistics of all finished work into report.json / report.txt and
// returns it.
RunStats build_report(const std::string& output_dir, size_t explain);
// All three stages and the report. With --shard i/n only stage 1 runs unless this
// is the only slice (the dedup must see every slice's signatures).
RunStats run_pipeline(const PipelineConfig& config);

// Paths inside the output folder (exposed for tests and the shard reader).
std::string stage1_docs_path(const std::string& out, size_t index);
std::string clean_path(const std::string& out, size_t index, bool zstd);
std::string token_shard_path(const std::string& out, const std::string& split, size_t index);

// Per-document work of stage 1, exposed for tests and the benchmark: applies every
// filter in order to `doc` (which already holds extracted text). Returns true when
// the document survives; `stats` records where it went.
class DocumentFilter {
 public:
  explicit DocumentFilter(const PipelineConfig& config);
  bool apply(Document& doc, RunStats& stats) const;

 private:
  const PipelineConfig& config_;
  UrlFilter url_filter_;
};

}  // namespace llmforge::data
