// A JSONL metrics log: one JSON object per line, flushed as written, so that a
// crashed run keeps every line before the crash and `llmforge plot` can read a run
// that is still going. Appends when resuming.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace llmforge {

class MetricsLog {
 public:
  // Empty path: logging disabled. `append` keeps existing lines (resume).
  MetricsLog(const std::string& path, bool append);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  void write(const nlohmann::json& record);

 private:
  std::FILE* file_ = nullptr;
};

}  // namespace llmforge
