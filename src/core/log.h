// Logging with levels over a swappable sink. Not for hot loops.
// Usage: LLMF_LOG(Info) << "step " << step;
#pragma once

#include <functional>
#include <sstream>
#include <string>

namespace llmforge {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };

using LogSink = std::function<void(LogLevel, const std::string&)>;

// Replaces the sink (default: stderr with a level prefix). Returns the previous one.
LogSink set_log_sink(LogSink sink);
void set_log_level(LogLevel level);
LogLevel log_level();
void log_message(LogLevel level, const std::string& message);

namespace detail {
class LogLine {
 public:
  explicit LogLine(LogLevel level) : level_(level) {}
  template <typename T>
  LogLine& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }
  ~LogLine() { log_message(level_, stream_.str()); }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};
}  // namespace detail

}  // namespace llmforge

#define LLMF_LOG(level)                                             \
  if (::llmforge::LogLevel::level < ::llmforge::log_level()) {      \
  } else                                                            \
    ::llmforge::detail::LogLine(::llmforge::LogLevel::level)
