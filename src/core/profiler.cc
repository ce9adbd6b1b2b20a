#include "core/profiler.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

namespace llmforge {
namespace {

struct Bucket {
  double seconds = 0;
  long calls = 0;
};

std::map<std::string, Bucket>& buckets() {
  static std::map<std::string, Bucket> b;
  return b;
}

bool& enabled() {
  static bool on = [] {
    const char* env = std::getenv("LLMFORGE_PROFILE");
    return env && env[0] == '1';
  }();
  return on;
}

}  // namespace

bool profiling_enabled() { return enabled(); }
void set_profiling(bool on) { enabled() = on; }

void profile_add(const char* name, double seconds) {
  Bucket& b = buckets()[name];
  b.seconds += seconds;
  ++b.calls;
}

void profile_reset() { buckets().clear(); }

std::string profile_report() {
  std::vector<std::pair<std::string, Bucket>> rows(buckets().begin(), buckets().end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
  double total = 0;
  for (const auto& r : rows) total += r.second.seconds;
  std::string out = "op                          seconds   share    calls\n";
  char line[160];
  for (const auto& [name, b] : rows) {
    std::snprintf(line, sizeof line, "%-26s %9.3f %6.1f%% %8ld\n", name.c_str(), b.seconds,
                  total > 0 ? 100.0 * b.seconds / total : 0.0, b.calls);
    out += line;
  }
  return out;
}

}  // namespace llmforge
