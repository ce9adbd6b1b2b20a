// Runs the npm `tiktoken` package (tests/reference/tiktoken_encode.js) on a batch of
// texts and returns its ids: the reference the parity tests compare against.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmforge::test {

// Throws std::runtime_error with the command and its exit status when node fails.
std::vector<std::vector<uint32_t>> reference_encode(const std::string& encoding,
                                                    const std::vector<std::string>& texts);

}  // namespace llmforge::test
