// C4's heuristics (Raffel et al. 2020) as datatrove's C4QualityFilter implements
// them: line rules drop lines, document rules (lorem ipsum, curly braces, too few
// sentences) drop the document.
#include <string>

#include "data/filters.h"
#include "data/text_utils.h"

namespace llmforge::data {

namespace {

const char* const kPolicySubstrings[] = {"terms of use", "privacy policy", "cookie policy",
                                         "uses cookies", "use of cookies", "use cookies"};

// Removes "[1]", "[edit]" and "[citation needed]" (datatrove's CITATION_REGEX).
std::string remove_citations(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == '[') {
      size_t j = i + 1;
      while (j < line.size() && line[j] >= '0' && line[j] <= '9') ++j;
      if (j < line.size() && line[j] == ']') {
        i = j + 1;
        continue;
      }
      if (line.substr(i, 6) == "[edit]") {
        i += 6;
        continue;
      }
      if (line.substr(i, 19) == "[citation needed]") {
        i += 19;
        continue;
      }
    }
    out.push_back(line[i++]);
  }
  return out;
}

bool ends_with_terminal_punct(std::string_view line) {
  static const char* const kEnds[] = {".", "?", "!", "\"", "'", "\xE3\x80\x82" /*。*/,
                                      "\xEF\xBC\x81" /*！*/, "\xEF\xBC\x9F" /*？*/};
  for (const char* e : kEnds)
    if (ends_with(line, e)) return true;
  return false;
}

}  // namespace

std::string c4_filter(std::string& text, const std::string& lang, const C4Config& c) {
  if (!c.enabled) return {};
  auto lines = c.split_paragraph ? split_lines_py(text) : split_lines_py(text);
  std::string kept;
  kept.reserve(text.size());
  size_t n_sentences = 0;
  bool cjk = is_cjk_language(lang);
  // Blank lines between kept lines survive as paragraph breaks (datatrove joins
  // with single newlines; we keep the structure the extractor found).
  bool blank_before = false;
  for (auto raw : lines) {
    std::string_view line_view = trim(raw);
    if (line_view.empty()) {
      blank_before = true;
      continue;
    }
    auto ws = split_whitespace(line_view);
    if (c.max_word_length >= 0) {
      bool too_long = false;
      for (auto w : ws)
        if (utf8_length(w) > static_cast<size_t>(c.max_word_length)) too_long = true;
      if (too_long) continue;
    }
    std::string line = c.remove_citations ? remove_citations(line_view) : std::string(line_view);
    if (c.filter_no_terminal_punct && (!ends_with_terminal_punct(line) || ends_with(line, "...")))
      continue;
    // Words per line: whitespace tokens, or characters' words for CJK text.
    size_t n_words = cjk ? split_words(line).size() : ws.size();
    if (c.min_words_per_line >= 0 && n_words < static_cast<size_t>(c.min_words_per_line)) continue;
    std::string lower = to_lower_ascii(line);
    if (c.filter_lorem_ipsum && lower.find("lorem ipsum") != std::string::npos)
      return "lorem_ipsum";
    if (c.filter_javascript && lower.find("javascript") != std::string::npos) continue;
    if (c.filter_curly_bracket && line.find('{') != std::string::npos) return "curly_bracket";
    if (c.filter_policy) {
      bool policy = false;
      for (const char* p : kPolicySubstrings)
        if (lower.find(p) != std::string::npos) policy = true;
      if (policy) continue;
    }
    n_sentences += count_sentences(line);
    if (!kept.empty()) kept += blank_before ? "\n\n" : "\n";
    blank_before = false;
    kept += line;
  }
  if (c.min_num_sentences >= 0 && n_sentences < static_cast<size_t>(c.min_num_sentences))
    return "too_few_sentences";
  text = std::string(trim(kept));
  return {};
}

}  // namespace llmforge::data
