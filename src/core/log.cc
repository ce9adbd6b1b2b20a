#include "core/log.h"

#include <cstdio>
#include <mutex>

namespace llmforge {
namespace {

std::mutex g_mutex;
LogLevel g_level = LogLevel::Info;

void stderr_sink(LogLevel level, const std::string& message) {
  static const char* const kPrefix[] = {"debug: ", "", "warning: ", "error: "};
  std::fprintf(stderr, "%s%s\n", kPrefix[static_cast<int>(level)], message.c_str());
  std::fflush(stderr);
}

LogSink& sink() {
  static LogSink s = stderr_sink;
  return s;
}

}  // namespace

LogSink set_log_sink(LogSink new_sink) {
  std::lock_guard<std::mutex> lock(g_mutex);
  LogSink old = sink();
  sink() = std::move(new_sink);
  return old;
}

void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }

void log_message(LogLevel level, const std::string& message) {
  std::lock_guard<std::mutex> lock(g_mutex);
  sink()(level, message);
}

}  // namespace llmforge
