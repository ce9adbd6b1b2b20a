// FineWeb's own quality filter (Penedo et al. 2024): lines ending in punctuation,
// short lines, duplicated-line characters and newlines per word.
#include <string>

#include "data/filters.h"
#include "data/text_utils.h"

namespace llmforge::data {

namespace {
// datatrove's TERMINAL_PUNCTUATION, the common part: Latin, CJK and a few others.
const char* const kTerminal[] = {".", "!", "?", "\"", "'", ")", "\xE3\x80\x82", "\xEF\xBC\x81",
                                 "\xEF\xBC\x9F", "\xE2\x80\x9D", "\xE2\x80\x99", "\xC2\xBB",
                                 "\xE3\x80\x8D", "\xE3\x80\x8F", "\xEF\xBC\x89", "\xE2\x80\xA6",
                                 "\xD8\x9F", "\xDB\x94", "\xE0\xA5\xA4", ";", "\xEF\xBC\x9B"};

bool ends_with_stop_char(std::string_view line) {
  for (const char* t : kTerminal)
    if (ends_with(line, t)) return true;
  return false;
}
}  // namespace

std::string fineweb_filter(std::string_view text, const TextWords& w, const FineWebConfig& c) {
  if (!c.enabled) return {};
  std::vector<std::string_view> lines;
  for (auto l : split_lines(text))
    if (!trim(l).empty()) lines.push_back(l);
  if (lines.empty()) return "empty";
  double n_lines = static_cast<double>(lines.size());
  if (c.line_punct_thr >= 0) {
    size_t ending = 0;
    for (auto l : lines) ending += ends_with_stop_char(l);
    double ratio = ending / n_lines;
    if (ratio < c.line_punct_thr && !(ratio == 0 && c.line_punct_exclude_zero))
      return "line_punct_ratio";
  }
  if (c.short_line_thr >= 0) {
    size_t short_lines = 0;
    for (auto l : lines) short_lines += utf8_length(l) <= static_cast<size_t>(c.short_line_length);
    if (short_lines / n_lines >= c.short_line_thr) return "short_line_ratio";
  }
  if (c.char_duplicates_ratio >= 0) {
    size_t chars = text.size();
    for (char ch : text) chars -= ch == '\n';
    size_t dup_chars = find_duplicates(lines).second;
    if (chars > 0 && static_cast<double>(dup_chars) / chars >= c.char_duplicates_ratio)
      return "char_dup_ratio";
  }
  if (c.new_line_ratio >= 0) {
    size_t newlines = 0;
    for (char ch : text) newlines += ch == '\n';
    if (static_cast<double>(newlines) / std::max<size_t>(w.words.size(), 1) > c.new_line_ratio)
      return "list_ratio";
  }
  return {};
}

}  // namespace llmforge::data
