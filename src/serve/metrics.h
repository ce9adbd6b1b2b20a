// Request counters for GET /metrics, rendered in the Prometheus text format together
// with the scheduler's figures (tokens, tokens/s, queue length, active sequences).
// Thread-safe: every HTTP thread records into it.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "serve/scheduler.h"

namespace llmforge::serve {

class Metrics {
 public:
  void record(const std::string& path, int status);
  void record_rejected() { std::lock_guard<std::mutex> lk(mu_); ++rejected_; }
  // `connections` and `refused`: open connections and those refused at once for
  // being over the per-address cap (HttpServer).
  std::string render(const SchedulerStats& s, int connections = 0, uint64_t refused = 0) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  int64_t rejected_ = 0;
};

}  // namespace llmforge::serve
