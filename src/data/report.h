// What a run did, stage by stage: documents and bytes in and out, how many documents
// each filter removed and for which reason, counted input errors, and up to
// `explain_limit` removed examples per reason. Each unit of work (one input file,
// the dedup pass, one output file) keeps its own RunStats on disk; the report of a
// run, or of a run split across machines, is their merge.
// Not thread-safe: one RunStats per worker, merged afterwards.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/document.h"

namespace llmforge::data {

struct StageCount {
  uint64_t docs_in = 0;
  uint64_t bytes_in = 0;
  uint64_t docs_out = 0;
  uint64_t bytes_out = 0;
};

struct RemovedExample {
  std::string id;
  std::string url;
  std::string snippet;  // first characters of the text, on one line
};

class RunStats {
 public:
  explicit RunStats(size_t explain_limit = 0) : explain_limit_(explain_limit) {}

  // A document entered / left a stage (left = survived it).
  void stage_in(const std::string& stage, uint64_t bytes);
  void stage_out(const std::string& stage, uint64_t bytes);
  // A stage removed `doc` because of `reason` (e.g. "gopher_quality", "gopher_short_doc").
  void removed(const std::string& stage, const std::string& reason, const Document& doc);
  // An input error that was skipped, e.g. ("warc_bad_content_length", "file:offset ...").
  void error(const std::string& kind, const std::string& message);
  void add_counter(const std::string& name, uint64_t n) { counters_[name] += n; }

  void merge(const RunStats& other);
  nlohmann::json to_json() const;
  static RunStats from_json(const nlohmann::json& j, size_t explain_limit);
  // A human-readable report; `explain` removed examples per reason.
  std::string format(size_t explain) const;

  const std::vector<std::pair<std::string, StageCount>>& stages() const { return stages_; }
  uint64_t removed_count(const std::string& stage, const std::string& reason) const;
  uint64_t removed_count(const std::string& stage) const;
  uint64_t error_count(const std::string& kind) const;
  uint64_t total_errors() const;
  uint64_t counter(const std::string& name) const;
  const std::map<std::string, std::vector<RemovedExample>>& examples() const { return examples_; }

 private:
  StageCount& stage(const std::string& name);

  size_t explain_limit_;
  std::vector<std::pair<std::string, StageCount>> stages_;  // in pipeline order
  std::map<std::string, uint64_t> removed_;                 // "stage/reason" -> docs
  std::map<std::string, std::vector<RemovedExample>> examples_;
  std::map<std::string, uint64_t> errors_;
  std::map<std::string, std::vector<std::string>> error_examples_;
  std::map<std::string, uint64_t> counters_;
};

}  // namespace llmforge::data
