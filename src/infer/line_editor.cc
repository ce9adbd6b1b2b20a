#include "infer/line_editor.h"

#include <readline/history.h>
#include <readline/readline.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace llmforge {

std::optional<std::string> read_line(const std::string& prompt) {
  if (!isatty(STDIN_FILENO)) {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    return line;
  }
  char* raw = readline(prompt.c_str());
  if (!raw) return std::nullopt;
  std::string line(raw);
  std::free(raw);
  return line;
}

void remember_line(const std::string& line) {
  if (!line.empty() && isatty(STDIN_FILENO)) add_history(line.c_str());
}

}  // namespace llmforge
