#include "core/error.h"

#include <cstdio>
#include <cstdlib>

namespace llmforge {

std::string Error::format(std::string_view component, const std::string& message) {
  std::string out;
  out.reserve(component.size() + message.size() + 3);
  out.append("[").append(component).append("] ").append(message);
  return out;
}

}  // namespace llmforge

namespace llmforge::detail {

CheckFailure::CheckFailure(const char* file, int line, const char* expr) {
  stream_ << file << ":" << line << ": check failed: " << expr << " ";
}

CheckFailure::~CheckFailure() {
  std::fprintf(stderr, "%s\n", stream_.str().c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace llmforge::detail
