// Quality filters with FineWeb's published defaults (datatrove's GopherRepetition,
// GopherQuality, C4Quality and FineWebQuality filters). Each returns "" when the
// document passes, or the reason it was removed (datatrove's reason names). Every
// threshold can be changed and every rule switched off (a negative threshold or
// `enabled = false` disables it).
//
// Differences from datatrove, on purpose: words come from split_words() (an
// NLTK-like split where each CJK character is a word) instead of a per-language
// tokenizer; character counts that are only used in ratios are bytes; for Chinese,
// Japanese and Korean the mean-word-length bounds are not applied (a character is a
// word there) and the stop words are the language's own (see stop_words_for()).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmforge::data {

struct GopherRepetitionConfig {
  bool enabled = true;
  double dup_line_frac = 0.30;
  double dup_para_frac = 0.30;
  double dup_line_char_frac = 0.20;
  double dup_para_char_frac = 0.20;
  std::vector<std::pair<int, double>> top_n_grams = {{2, 0.20}, {3, 0.18}, {4, 0.16}};
  std::vector<std::pair<int, double>> dup_n_grams = {{5, 0.15}, {6, 0.14}, {7, 0.13},
                                                     {8, 0.12}, {9, 0.11}, {10, 0.10}};
};

struct GopherQualityConfig {
  bool enabled = true;
  int min_doc_words = 50;
  int max_doc_words = 100000;
  double min_avg_word_length = 3;
  double max_avg_word_length = 10;
  double max_symbol_word_ratio = 0.1;
  double max_bullet_lines_ratio = 0.9;
  double max_ellipsis_lines_ratio = 0.3;
  double max_non_alpha_words_ratio = 0.8;  // at least this fraction must contain a letter
  int min_stop_words = 2;
};

struct C4Config {
  bool enabled = true;
  bool split_paragraph = true;
  bool remove_citations = true;
  bool filter_no_terminal_punct = false;  // FineWeb turns this rule off
  int min_num_sentences = 5;
  int min_words_per_line = 3;
  int max_word_length = 1000;
  bool filter_lorem_ipsum = true;
  bool filter_javascript = true;
  bool filter_curly_bracket = true;
  bool filter_policy = true;
};

struct FineWebConfig {
  bool enabled = true;
  double line_punct_thr = 0.12;
  bool line_punct_exclude_zero = false;
  double short_line_thr = 0.67;
  int short_line_length = 30;
  double char_duplicates_ratio = 0.01;
  double new_line_ratio = 0.3;
};

// Words shared by the filters, computed once per document, with a 64-bit hash and
// the byte length of each (the n-gram statistics work on these, not on strings).
struct TextWords {
  explicit TextWords(std::string_view text);
  std::vector<std::string_view> words;
  std::vector<uint64_t> hashes;
};

bool is_cjk_language(const std::string& lang);
const std::vector<std::string>& stop_words_for(const std::string& lang);

std::string gopher_repetition_filter(std::string_view text, const TextWords& w,
                                     const GopherRepetitionConfig& c);
std::string gopher_quality_filter(std::string_view text, const TextWords& w,
                                  const std::string& lang, const GopherQualityConfig& c);
// May rewrite `text` (C4 drops lines that fail its line rules).
std::string c4_filter(std::string& text, const std::string& lang, const C4Config& c);
std::string fineweb_filter(std::string_view text, const TextWords& w, const FineWebConfig& c);

// Helpers exposed for tests: Gopher's duplicate counting.
std::pair<size_t, size_t> find_duplicates(const std::vector<std::string_view>& items);
size_t find_top_duplicate(const TextWords& words, int n);
size_t find_all_duplicate(const TextWords& words, int n);

}  // namespace llmforge::data
