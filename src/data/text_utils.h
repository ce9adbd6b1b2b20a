// UTF-8 and word-level helpers shared by the filters, language id and MinHash.
// Words follow the spirit of NLTK's word_tokenize (what FineWeb's filters count):
// runs of letters/digits are words, each run of punctuation is a token of its own,
// and each CJK ideograph, kana or hangul syllable is one word, so that Chinese text
// without spaces has a meaningful word count. Lengths are in code points where the
// filters compare against absolute numbers (word length, short lines) and in bytes
// where only ratios matter.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmforge::data {

// Decodes one code point at s[i]; advances i. Invalid bytes decode as U+FFFD, one byte.
uint32_t utf8_next(std::string_view s, size_t& i);
void utf8_append(std::string& out, uint32_t cp);
size_t utf8_length(std::string_view s);
// Replaces invalid UTF-8 sequences with U+FFFD and drops NUL and C0 controls other
// than \t \n \r. Returns how many invalid sequences were replaced.
size_t sanitize_utf8(std::string& s);
bool is_valid_utf8(std::string_view s);

bool is_cjk(uint32_t cp);
// Letters of any script (a rough, table-free approximation: ASCII letters, Latin-1
// and Latin Extended letters, and every non-ASCII code point that is not in a known
// punctuation, symbol or space block).
bool is_alpha_cp(uint32_t cp);
bool is_punct_cp(uint32_t cp);
bool is_space_cp(uint32_t cp);

// Words and punctuation tokens, as views into `text`.
std::vector<std::string_view> split_words(std::string_view text);
// Whitespace-separated tokens (Python's str.split()).
std::vector<std::string_view> split_whitespace(std::string_view text);
// Lines split on '\n' (empty lines included, like str.split("\n")).
std::vector<std::string_view> split_lines(std::string_view text);
// Python's str.splitlines(): like split_lines but a trailing newline adds no line.
std::vector<std::string_view> split_lines_py(std::string_view text);
std::string_view trim(std::string_view s);
bool ends_with(std::string_view s, std::string_view suffix);
bool starts_with(std::string_view s, std::string_view prefix);
std::string to_lower_ascii(std::string_view s);
// Number of sentences in a line: terminal punctuation (. ! ? and CJK 。！？)
// followed by a space or the end, counting a trailing unterminated part as one.
size_t count_sentences(std::string_view line);

// Normalisation before hashing (FineWeb's simplify_text): lower case, digits to 0,
// punctuation to spaces, whitespace collapsed.
std::string normalize_for_dedup(std::string_view text);

// 64-bit hash of bytes (wyhash-style mixing; stable across platforms and runs).
uint64_t hash_bytes(const void* data, size_t n, uint64_t seed = 0);
inline uint64_t hash_str(std::string_view s, uint64_t seed = 0) {
  return hash_bytes(s.data(), s.size(), seed);
}
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace llmforge::data
