// A live progress line on stderr: "label 1234/5000 (24.7%) 312.4 unit/s ETA 12s | extra".
// On a terminal it redraws one line at most every 0.2 s; otherwise it prints a fresh
// line at most every `log_interval_s` seconds so that logs stay readable.
#pragma once

#include <cstdint>
#include <string>

#include "core/timer.h"

namespace llmforge {

class Progress {
 public:
  Progress(std::string label, int64_t total, std::string unit, double log_interval_s = 10.0);
  // Sets the absolute position and an optional trailing text (loss, MFU, ...).
  void update(int64_t done, const std::string& extra = "");
  // Prints the final line (always) and ends it with a newline.
  void finish(const std::string& extra = "");
  double elapsed() const { return timer_.seconds(); }

 private:
  std::string render(const std::string& extra) const;

  std::string label_;
  int64_t total_;
  std::string unit_;
  double log_interval_s_;
  bool tty_;
  int64_t done_ = 0;
  double last_print_ = -1e9;
  Timer timer_;
};

// "1h02m", "3m05s", "12.3s".
std::string format_duration(double seconds);

}  // namespace llmforge
