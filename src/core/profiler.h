// Per-op wall-clock accounting for the engine, off by default. Enabled with
// set_profiling(true) (the CLI's --profile, or LLMFORGE_PROFILE=1); each scope adds
// its time to a named bucket, and profile_report() prints the buckets sorted.
// Op granularity only: never inside kernels' inner loops. Single-threaded callers.
#pragma once

#include <string>

#include "core/timer.h"

namespace llmforge {

bool profiling_enabled();
void set_profiling(bool on);
void profile_add(const char* name, double seconds);
std::string profile_report();
void profile_reset();

class ProfileScope {
 public:
  explicit ProfileScope(const char* name) : name_(profiling_enabled() ? name : nullptr) {}
  ~ProfileScope() {
    if (name_) profile_add(name_, timer_.seconds());
  }

 private:
  const char* name_;
  Timer timer_;
};

}  // namespace llmforge
