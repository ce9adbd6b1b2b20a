// A JSONL metrics log: one JSON object per line, flushed as written, so that a
// crashed run keeps every line before the crash and `llmforge plot` can read a run
// that is still going. Appends when resuming.
#pragma once

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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

// One numeric field of a metrics log against the step.
struct MetricSeries {
  std::vector<double> step, value;
};

// Reads the named numeric fields ("loss", "val_loss", "lr", "tokens_per_s", ...) of
// every line that has a step; a field a line lacks is skipped for that line. A
// partial last line (a run killed mid-write) is ignored; any other line that is not
// JSON is an error naming the file and line. Every requested field is in the result.
std::map<std::string, MetricSeries> read_metrics_log(const std::string& path,
                                                     const std::vector<std::string>& fields);

}  // namespace llmforge
