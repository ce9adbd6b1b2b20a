// Pre-tokenization: splits text into the pieces that BPE encodes independently,
// exactly like tiktoken's split regexes, with a hand-written matcher per pattern.
//
// Each matcher reproduces the leftmost-first, backtracking semantics of the regex
// (fancy-regex in tiktoken) at one position: the alternatives are tried in order,
// optional prefixes are tried taken-then-not-taken, greedy runs give back one
// character at a time, and `\s+(?!\S)` leaves the last space of a run in front of
// a word. Every position matches some alternative, so pieces tile the text.
// Invalid UTF-8 bytes are treated as one-byte characters of no class
// (punctuation-like); tiktoken never sees them because it takes valid strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmforge {

enum class SplitPattern {
  kGpt2,      // gpt2 / r50k_base / p50k_base
  kCl100k,    // cl100k_base
  kO200k,     // o200k_base
  kLlmforge,  // o200k's pattern with every digit a piece of its own (our default until
              // llama.cpp export: llama.cpp implements no pattern equal to it)
  kQwen2,     // cl100k's pattern with every digit a piece of its own and ASCII-only case in
              // contractions, exactly the regex llama.cpp runs for pre-tokenizer "qwen2"
              // (src/llama-vocab.cpp); the default for new tokenizers
};

// The regex string (tiktoken's pat_str) that the pattern implements.
const char* split_pattern_regex(SplitPattern pattern);
// Short name used in files and on the command line: gpt2, cl100k, o200k, llmforge,
// qwen2.
const char* split_pattern_name(SplitPattern pattern);
std::optional<SplitPattern> split_pattern_from_regex(std::string_view regex);
std::optional<SplitPattern> split_pattern_from_name(std::string_view name);

// Returns the end of the piece that starts at `p` (begin <= p < end). Pieces never
// look behind `p` nor past `end`: `end` acts as the end of the text.
const uint8_t* next_piece_end(SplitPattern pattern, const uint8_t* p, const uint8_t* end);

// Calls fn(std::string_view piece) for every piece of `text`, in order.
template <typename Fn>
void for_each_piece(SplitPattern pattern, std::string_view text, Fn&& fn) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(text.data());
  const uint8_t* end = p + text.size();
  while (p < end) {
    const uint8_t* q = next_piece_end(pattern, p, end);
    fn(std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(q - p)));
    p = q;
  }
}

}  // namespace llmforge
