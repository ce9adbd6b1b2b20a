// Scoring a free-form chat reply against a short expected answer ("Lisbon",
// "March 4, 1975"): the reply is correct when it contains the answer as a whole
// phrase.
//
// Both sides are lowercased (ASCII only; other bytes compare as they are) and runs of
// whitespace become one space; the answer also loses punctuation at its two edges
// ("Lisbon." -> "lisbon"). The answer must then occur in the reply on word
// boundaries: the characters just before and after it may not be letters or digits
// (non-ASCII characters count as letters, so "Zürich" is never split, except the
// no-break space and the General Punctuation block: dashes, curly quotes). Punctuation
// inside the answer must match: "March 4, 1975" is not found in "March 4 1975".
// So "Lisbon" matches "born in Lisbon." but not "Lisbonne", and "1975" alone never
// satisfies the answer "March 4, 1975".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace llmforge {

// Lowercased, whitespace collapsed and trimmed.
std::string normalize_reply_text(std::string_view s);
// normalize_reply_text, then ASCII punctuation removed from both ends.
std::string normalize_answer_text(std::string_view s);

// True when `answer` occurs in `reply` as described above. An answer that is empty
// after normalization matches nothing.
bool answer_matches(std::string_view reply, std::string_view answer);
// True when every one of `expected` matches (and there is at least one).
bool all_answers_match(std::string_view reply, const std::vector<std::string>& expected);

}  // namespace llmforge
