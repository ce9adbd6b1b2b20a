// Gopher repetition and quality filters (Rae et al. 2021, Table A1), following
// datatrove's implementation that FineWeb uses.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "data/filters.h"
#include "data/text_utils.h"

namespace llmforge::data {

namespace {

// Paragraphs: text.strip() split on runs of 2+ newlines. Lines: split on runs of
// newlines (so no empty lines).
std::vector<std::string_view> split_paragraphs(std::string_view text) {
  std::vector<std::string_view> out;
  text = trim(text);
  size_t s = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\n' && i + 1 < text.size() && text[i + 1] == '\n') {
      out.push_back(text.substr(s, i - s));
      while (i < text.size() && text[i] == '\n') ++i;
      s = i;
    } else {
      ++i;
    }
  }
  out.push_back(text.substr(s));
  return out;
}

std::vector<std::string_view> split_nonempty_lines(std::string_view text) {
  // Python's re.split("\n+", text): empty pieces only at the very start or end.
  std::vector<std::string_view> out;
  size_t s = 0;
  size_t i = 0;
  while (i <= text.size()) {
    if (i == text.size() || text[i] == '\n') {
      if (i > s || out.empty() || i == text.size()) out.push_back(text.substr(s, i - s));
      while (i < text.size() && text[i] == '\n') ++i;
      s = i;
      if (i == text.size()) break;
    } else {
      ++i;
    }
  }
  return out;
}

struct SvHash {
  size_t operator()(std::string_view s) const { return hash_str(s); }
};

// A set of 64-bit n-gram hashes with open addressing, reused across n-gram sizes
// and documents of one thread so that the filter does not allocate per document.
// Hash 0 is the empty-slot marker (an n-gram hashing to 0 is remapped to 1).
class FlatCounter {
 public:
  void reset(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    if (keys_.size() < cap) {
      keys_.assign(cap, 0);
      counts_.assign(cap, 0);
    } else {
      std::fill(keys_.begin(), keys_.begin() + cap, 0);
      std::fill(counts_.begin(), counts_.begin() + cap, 0);
    }
    mask_ = cap - 1;
  }
  // Adds one occurrence; returns the count after adding.
  uint32_t add(uint64_t key) {
    key = key ? key : 1;
    size_t i = key & mask_;
    while (keys_[i] != 0 && keys_[i] != key) i = (i + 1) & mask_;
    keys_[i] = key;
    return ++counts_[i];
  }
  uint32_t count(uint64_t key) const {
    key = key ? key : 1;
    size_t i = key & mask_;
    while (keys_[i] != 0 && keys_[i] != key) i = (i + 1) & mask_;
    return keys_[i] == key ? counts_[i] : 0;
  }

 private:
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> counts_;
  size_t mask_ = 0;
};

FlatCounter& thread_counter() {
  thread_local FlatCounter c;
  return c;
}

// Hashes and byte lengths of every n-gram of words, for one n.
void ngrams(const TextWords& w, int n, std::vector<uint64_t>& hashes, std::vector<size_t>& chars) {
  size_t count = w.words.size() >= static_cast<size_t>(n) ? w.words.size() - n + 1 : 0;
  hashes.resize(count);
  chars.resize(count);
  for (size_t i = 0; i < count; ++i) {
    uint64_t h = 0x12345 + n;
    size_t c = 0;
    for (int k = 0; k < n; ++k) {
      h = (h ^ w.hashes[i + k]) * 0x9E3779B97F4A7C15ull;
      c += w.words[i + k].size();
    }
    hashes[i] = mix64(h);
    chars[i] = c;
  }
}

}  // namespace

TextWords::TextWords(std::string_view text) : words(split_words(text)) {
  hashes.reserve(words.size());
  for (auto w : words) hashes.push_back(hash_str(w));
}

bool is_cjk_language(const std::string& lang) {
  return lang == "zh" || lang == "ja" || lang == "ko";
}

const std::vector<std::string>& stop_words_for(const std::string& lang) {
  static const std::vector<std::string> kEnglish = {"the", "be", "to", "of", "and", "that",
                                                   "have", "with"};
  static const std::vector<std::string> kChinese = {"的", "了", "是", "在", "和", "有",
                                                   "我", "不", "这", "也", "就", "人"};
  static const std::vector<std::string> kJapanese = {"の", "に", "は", "を", "た", "が", "で", "て"};
  static const std::vector<std::string> kKorean = {"이", "그", "저", "것", "수", "등", "들", "및"};
  static const std::vector<std::string> kGerman = {"der", "die", "und", "das", "ist", "nicht",
                                                  "mit", "zu"};
  static const std::vector<std::string> kFrench = {"le", "la", "de", "et", "les", "des", "est", "un"};
  static const std::vector<std::string> kSpanish = {"de", "la", "que", "el", "en", "y", "los", "del"};
  if (lang == "zh") return kChinese;
  if (lang == "ja") return kJapanese;
  if (lang == "ko") return kKorean;
  if (lang == "de") return kGerman;
  if (lang == "fr") return kFrench;
  if (lang == "es") return kSpanish;
  return kEnglish;
}

std::pair<size_t, size_t> find_duplicates(const std::vector<std::string_view>& items) {
  std::unordered_set<std::string_view, SvHash> seen;
  seen.reserve(items.size() * 2);
  size_t dup_elements = 0;
  size_t dup_chars = 0;
  for (auto it : items) {
    if (!seen.insert(it).second) {
      ++dup_elements;
      dup_chars += it.size();
    }
  }
  return {dup_elements, dup_chars};
}

size_t find_top_duplicate(const TextWords& w, int n) {
  thread_local std::vector<uint64_t> hashes;
  thread_local std::vector<size_t> chars;
  ngrams(w, n, hashes, chars);
  if (hashes.empty()) return 0;
  FlatCounter& counter = thread_counter();
  counter.reset(hashes.size());
  uint32_t best = 0;
  for (uint64_t h : hashes) best = std::max(best, counter.add(h));
  // Counter.most_common(1): among the most frequent, the one seen first. Its length
  // is joined with spaces, as datatrove does.
  for (size_t i = 0; i < hashes.size(); ++i)
    if (counter.count(hashes[i]) == best) return static_cast<size_t>(best) * (chars[i] + n - 1);
  return 0;
}

size_t find_all_duplicate(const TextWords& w, int n) {
  thread_local std::vector<uint64_t> hashes;
  thread_local std::vector<size_t> chars;
  ngrams(w, n, hashes, chars);
  FlatCounter& seen = thread_counter();
  seen.reset(hashes.size());
  size_t repeated = 0;
  size_t i = 0;
  while (i < hashes.size()) {
    if (seen.add(hashes[i]) > 1) {
      repeated += chars[i];
      i += n;
    } else {
      ++i;
    }
  }
  return repeated;
}

std::string gopher_repetition_filter(std::string_view text, const TextWords& w,
                                     const GopherRepetitionConfig& c) {
  if (!c.enabled) return {};
  double len = static_cast<double>(std::max<size_t>(text.size(), 1));
  auto paragraphs = split_paragraphs(text);
  auto [para_dups, para_dup_chars] = find_duplicates(paragraphs);
  if (c.dup_para_frac >= 0 && static_cast<double>(para_dups) / paragraphs.size() > c.dup_para_frac)
    return "dup_para_frac";
  if (c.dup_para_char_frac >= 0 && para_dup_chars / len > c.dup_para_char_frac)
    return "dup_para_char_frac";
  auto lines = split_nonempty_lines(text);
  auto [line_dups, line_dup_chars] = find_duplicates(lines);
  if (c.dup_line_frac >= 0 && static_cast<double>(line_dups) / lines.size() > c.dup_line_frac)
    return "dup_line_frac";
  if (c.dup_line_char_frac >= 0 && line_dup_chars / len > c.dup_line_char_frac)
    return "dup_line_char_frac";
  // N-gram hashes for n+1 come from those for n in one pass (n is usually 2, 3, ...
  // 10 in order); any other order falls back to computing them from scratch.
  thread_local std::vector<uint64_t> state;  // unmixed running hash per start position
  thread_local std::vector<size_t> chars;
  thread_local std::vector<uint64_t> hashes;
  int have_n = 0;
  auto ngrams_for = [&](int n) {
    const size_t W = w.words.size();
    if (n != have_n + 1 || have_n == 0) {
      state.assign(W, 0);
      chars.assign(W, 0);
      for (int k = 0; k < n; ++k)
        for (size_t i = 0; i + k < W; ++i) {
          state[i] = (state[i] ^ w.hashes[i + k]) * 0x9E3779B97F4A7C15ull;
          chars[i] += w.words[i + k].size();
        }
    } else {
      for (size_t i = 0; i + n - 1 < W; ++i) {
        state[i] = (state[i] ^ w.hashes[i + n - 1]) * 0x9E3779B97F4A7C15ull;
        chars[i] += w.words[i + n - 1].size();
      }
    }
    have_n = n;
    size_t count = W >= static_cast<size_t>(n) ? W - n + 1 : 0;
    hashes.resize(count);
    for (size_t i = 0; i < count; ++i) hashes[i] = mix64(state[i] + static_cast<uint64_t>(n));
    return count;
  };
  FlatCounter& counter = thread_counter();
  for (const auto& [n, frac] : c.top_n_grams) {
    if (frac < 0 || n < 1) continue;
    size_t count = ngrams_for(n);
    if (count == 0) continue;
    counter.reset(count);
    uint32_t best = 0;
    for (size_t i = 0; i < count; ++i) best = std::max(best, counter.add(hashes[i]));
    size_t top = 0;
    for (size_t i = 0; i < count; ++i)
      if (counter.count(hashes[i]) == best) {
        top = static_cast<size_t>(best) * (chars[i] + n - 1);
        break;
      }
    if (top / len > frac) return "top_" + std::to_string(n) + "_gram";
  }
  for (const auto& [n, frac] : c.dup_n_grams) {
    if (frac < 0 || n < 1) continue;
    size_t count = ngrams_for(n);
    counter.reset(count);
    size_t repeated = 0;
    size_t i = 0;
    while (i < count) {
      if (counter.add(hashes[i]) > 1) {
        repeated += chars[i];
        i += n;
      } else {
        ++i;
      }
    }
    if (repeated / len > frac) return "duplicated_" + std::to_string(n) + "_n_grams";
  }
  return {};
}

std::string gopher_quality_filter(std::string_view text, const TextWords& w,
                                  const std::string& lang, const GopherQualityConfig& c) {
  if (!c.enabled) return {};
  const auto& words = w.words;
  size_t n_words = words.size();
  size_t non_symbol = 0;
  size_t non_symbol_chars = 0;
  size_t with_alpha = 0;
  for (auto word : words) {
    bool has_non_punct = false;
    bool has_alpha = false;
    size_t i = 0;
    size_t cps = 0;
    while (i < word.size()) {
      uint32_t cp = utf8_next(word, i);
      ++cps;
      if (!is_punct_cp(cp)) has_non_punct = true;
      if (is_alpha_cp(cp)) has_alpha = true;
    }
    if (has_non_punct) {
      ++non_symbol;
      non_symbol_chars += cps;
    }
    with_alpha += has_alpha;
  }
  if (c.min_doc_words >= 0 && non_symbol < static_cast<size_t>(c.min_doc_words))
    return "gopher_short_doc";
  if (c.max_doc_words >= 0 && non_symbol > static_cast<size_t>(c.max_doc_words))
    return "gopher_long_doc";
  if (!is_cjk_language(lang) && non_symbol > 0) {
    double avg = static_cast<double>(non_symbol_chars) / non_symbol;
    if (c.min_avg_word_length >= 0 && avg < c.min_avg_word_length)
      return "gopher_below_avg_threshold";
    if (c.max_avg_word_length >= 0 && avg > c.max_avg_word_length)
      return "gopher_above_avg_threshold";
  }
  double nw = static_cast<double>(std::max<size_t>(n_words, 1));
  auto count = [&](std::string_view needle) {
    size_t n = 0;
    for (size_t p = text.find(needle); p != std::string_view::npos; p = text.find(needle, p + needle.size()))
      ++n;
    return n;
  };
  if (c.max_symbol_word_ratio >= 0 && count("#") / nw > c.max_symbol_word_ratio)
    return "gopher_too_many_hashes";
  if (c.max_symbol_word_ratio >= 0 &&
      (count("...") + count("\xE2\x80\xA6")) / nw > c.max_symbol_word_ratio)
    return "gopher_too_many_ellipsis";
  auto lines = split_lines_py(text);
  if (!lines.empty()) {
    size_t bullets = 0;
    size_t ellipsis = 0;
    for (auto l : lines) {
      auto t = trim(l);
      if (starts_with(t, "\xE2\x80\xA2") || starts_with(t, "-")) ++bullets;
      if (ends_with(t, "...") || ends_with(t, "\xE2\x80\xA6")) ++ellipsis;
    }
    if (c.max_bullet_lines_ratio >= 0 &&
        static_cast<double>(bullets) / lines.size() > c.max_bullet_lines_ratio)
      return "gopher_too_many_bullets";
    if (c.max_ellipsis_lines_ratio >= 0 &&
        static_cast<double>(ellipsis) / lines.size() > c.max_ellipsis_lines_ratio)
      return "gopher_too_many_end_ellipsis";
  }
  if (c.max_non_alpha_words_ratio >= 0 && with_alpha / nw < c.max_non_alpha_words_ratio)
    return "gopher_below_alpha_threshold";
  if (c.min_stop_words >= 0) {
    const auto& stops = stop_words_for(lang);
    size_t n = 0;
    for (auto word : words) {
      for (const auto& s : stops) {
        if (word.size() == s.size() && (word == s || to_lower_ascii(word) == s)) {
          ++n;
          break;
        }
      }
      if (n >= static_cast<size_t>(c.min_stop_words)) break;
    }
    if (n < static_cast<size_t>(c.min_stop_words)) return "gopher_enough_stop_words";
  }
  return {};
}

}  // namespace llmforge::data
