// Language identification with CLD2 (Debian libcld2), which ships its model in the
// library. The score is the share of the text (0..1) CLD2 attributes to the top
// language, lowered by half when CLD2 itself says the answer is unreliable.
// Thread-safe (CLD2 keeps no mutable global state).
#pragma once

#include <string>
#include <string_view>

namespace llmforge::data {

struct LanguageGuess {
  std::string code;  // ISO 639-1 ("en", "zh", "de"); "un" when unknown
  double score = 0.0;
};

// Looks at most at the first `max_bytes` of `text` (language rarely changes after).
LanguageGuess identify_language(std::string_view text, size_t max_bytes = 8192);

}  // namespace llmforge::data
