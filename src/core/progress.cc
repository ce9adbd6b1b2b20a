#include "core/progress.h"

#include <unistd.h>

#include <cstdio>

namespace llmforge {

std::string format_duration(double seconds) {
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", int(seconds) / 60, int(seconds) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", int(seconds) / 3600, (int(seconds) / 60) % 60);
  }
  return buf;
}

Progress::Progress(std::string label, int64_t total, std::string unit, double log_interval_s)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      log_interval_s_(log_interval_s),
      tty_(::isatty(2)) {}

std::string Progress::render(const std::string& extra) const {
  double t = timer_.seconds();
  double rate = t > 0 ? done_ / t : 0;
  char buf[256];
  if (total_ > 0) {
    double eta = rate > 0 ? (total_ - done_) / rate : 0;
    std::snprintf(buf, sizeof buf, "%s %lld/%lld (%.1f%%) %.1f %s/s elapsed %s ETA %s",
                  label_.c_str(), (long long)done_, (long long)total_, 100.0 * done_ / total_,
                  rate, unit_.c_str(), format_duration(t).c_str(), format_duration(eta).c_str());
  } else {
    std::snprintf(buf, sizeof buf, "%s %lld %.1f %s/s elapsed %s", label_.c_str(),
                  (long long)done_, rate, unit_.c_str(), format_duration(t).c_str());
  }
  std::string line = buf;
  if (!extra.empty()) line += " | " + extra;
  return line;
}

void Progress::update(int64_t done, const std::string& extra) {
  done_ = done;
  double t = timer_.seconds();
  double interval = tty_ ? 0.2 : log_interval_s_;
  if (t - last_print_ < interval) return;
  last_print_ = t;
  std::string line = render(extra);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void Progress::finish(const std::string& extra) {
  std::string line = render(extra);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s\n", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace llmforge
