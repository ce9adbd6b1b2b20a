// Errors, in three tiers (see ../shared/STYLE.md):
//  - LLMF_CHECK(cond) << "msg": a broken internal invariant; prints file:line and aborts.
//  - throw Error("component", "msg"): misuse or bad configuration; the message reads
//    "[component] msg". Caught at the CLI boundary and printed.
//  - Status / returning an error value: expected failures (I/O, bad data) in code that
//    callers want to recover from.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace llmforge {

class Error : public std::runtime_error {
 public:
  Error(std::string_view component, const std::string& message)
      : std::runtime_error(format(component, message)) {}

 private:
  static std::string format(std::string_view component, const std::string& message);
};

// Builds a message with operator<< and throws Error when it goes out of scope.
// Usage: throw_error("model") << "n_heads " << n << " does not divide " << d;
class ErrorBuilder {
 public:
  explicit ErrorBuilder(std::string_view component) : component_(component) {}
  template <typename T>
  ErrorBuilder& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }
  [[noreturn]] ~ErrorBuilder() noexcept(false) { throw Error(component_, stream_.str()); }

 private:
  std::string component_;
  std::ostringstream stream_;
};

namespace detail {
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* expr);
  template <typename T>
  CheckFailure& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }
  [[noreturn]] ~CheckFailure();

 private:
  std::ostringstream stream_;
};
}  // namespace detail

}  // namespace llmforge

#define LLMF_CHECK(cond) \
  if (cond) {            \
  } else                 \
    ::llmforge::detail::CheckFailure(__FILE__, __LINE__, #cond)
