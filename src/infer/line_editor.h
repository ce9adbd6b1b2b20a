// Line input for the chat REPL: GNU readline (arrow keys, editing, history) when
// stdin is a terminal, plain getline otherwise (pipes and tests).
#pragma once

#include <optional>
#include <string>

namespace llmforge {

// Reads one line after printing `prompt` (terminal only); nullopt at end of input.
std::optional<std::string> read_line(const std::string& prompt);
// Adds a non-empty line to the history the up/down arrows walk.
void remember_line(const std::string& line);

}  // namespace llmforge
