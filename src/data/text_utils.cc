#include "data/text_utils.h"

#include <cstring>

namespace llmforge::data {

uint32_t utf8_next(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int len = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
  else {
    ++i;
    return 0xFFFD;
  }
  if (i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return cp;
}

void utf8_append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t before = i;
    uint32_t cp = utf8_next(s, i);
    if (cp == 0xFFFD && i == before + 1) return false;
  }
  return true;
}

size_t sanitize_utf8(std::string& s) {
  // Fast path: pure ASCII without control characters needs no copy.
  bool clean = true;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || (c < 0x20 && c != '\n' && c != '\t' && c != '\r')) {
      clean = false;
      break;
    }
  }
  if (clean) return 0;
  std::string out;
  out.reserve(s.size());
  size_t bad = 0;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 || c == '\n' || c == '\t' || c == '\r') out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    size_t before = i;
    uint32_t cp = utf8_next(s, i);
    if (cp == 0xFFFD && i == before + 1) {
      ++bad;
      out += "\xEF\xBF\xBD";
    } else {
      out.append(s, before, i - before);
    }
  }
  s.swap(out);
  return bad;
}

bool is_cjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FA1F);
}

bool is_space_cp(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' ||
         cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F ||
         cp == 0x205F || cp == 0x85 || cp == 0xFEFF;
}

namespace {
struct AsciiPunctTable {
  bool punct[128] = {};
  AsciiPunctTable() {
    for (const char* p = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"; *p; ++p) punct[static_cast<unsigned char>(*p)] = true;
  }
};
const AsciiPunctTable kAsciiPunct;

inline bool ascii_space(unsigned char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
}  // namespace

bool is_punct_cp(uint32_t cp) {
  if (cp < 0x80) return kAsciiPunct.punct[cp];
  return (cp >= 0xA1 && cp <= 0xBF && cp != 0xAA && cp != 0xB5 && cp != 0xBA) || cp == 0xD7 ||
         cp == 0xF7 || (cp >= 0x2010 && cp <= 0x2BFF) || (cp >= 0x3001 && cp <= 0x303F) ||
         (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
         (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || cp == 0xFFFD || (cp >= 0x1F000 && cp <= 0x1FAFF);
}

bool is_alpha_cp(uint32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  if (is_space_cp(cp) || is_punct_cp(cp)) return false;
  if (cp >= 0xFF10 && cp <= 0xFF19) return false;  // fullwidth digits
  return true;
}

namespace {
enum class CharKind { Space, Word, Punct, Cjk };
CharKind kind_of(uint32_t cp) {
  if (is_space_cp(cp)) return CharKind::Space;
  if (is_cjk(cp)) return CharKind::Cjk;
  if (is_punct_cp(cp)) return CharKind::Punct;
  return CharKind::Word;
}
}  // namespace

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  words.reserve(text.size() / 6 + 1);
  size_t i = 0;
  size_t start = 0;
  CharKind current = CharKind::Space;
  auto flush = [&](size_t end) {
    if (current != CharKind::Space && end > start) words.push_back(text.substr(start, end - start));
  };
  while (i < text.size()) {
    size_t at = i;
    unsigned char c = static_cast<unsigned char>(text[i]);
    CharKind k;
    if (c < 0x80) {
      ++i;
      if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') k = CharKind::Word;
      else if (c >= '0' && c <= '9') k = CharKind::Word;
      else if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
        k = CharKind::Space;
      else if (c == '\'' && current == CharKind::Word && i < text.size() &&
               std::isalpha(static_cast<unsigned char>(text[i])))
        k = CharKind::Word;  // don't, it's: keep the apostrophe inside the word
      else k = CharKind::Punct;
    } else {
      k = kind_of(utf8_next(text, i));
    }
    if (k != current || k == CharKind::Cjk) {
      flush(at);
      start = at;
      current = k;
    }
  }
  flush(text.size());
  return words;
}

std::vector<std::string_view> split_whitespace(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && ascii_space(static_cast<unsigned char>(text[i]))) ++i;
    size_t s = i;
    while (i < text.size() && !ascii_space(static_cast<unsigned char>(text[i]))) ++i;
    if (i > s) out.push_back(text.substr(s, i - s));
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t s = 0;
  for (;;) {
    size_t nl = text.find('\n', s);
    if (nl == std::string_view::npos) {
      out.push_back(text.substr(s));
      break;
    }
    out.push_back(text.substr(s, nl - s));
    s = nl + 1;
  }
  return out;
}

std::vector<std::string_view> split_lines_py(std::string_view text) {
  auto lines = split_lines(text);
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  for (auto& l : lines)
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  return lines;
}

std::string_view trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && ascii_space(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && ascii_space(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

size_t count_sentences(std::string_view line) {
  size_t n = 0;
  bool pending = false;  // text seen since the last sentence end
  size_t i = 0;
  while (i < line.size()) {
    uint32_t cp = utf8_next(line, i);
    bool terminal = cp == '.' || cp == '!' || cp == '?' || cp == 0x3002 || cp == 0xFF01 ||
                    cp == 0xFF1F;
    if (terminal) {
      bool cjk_stop = cp > 0x7F;
      bool at_end = i >= line.size() || line[i] == ' ' || line[i] == '"' || line[i] == '\'';
      if (pending && (cjk_stop || at_end)) {
        ++n;
        pending = false;
      }
    } else if (!is_space_cp(cp)) {
      pending = true;
    }
  }
  return n + (pending ? 1 : 0);
}

std::string normalize_for_dedup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = true;
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      char o;
      if (c >= 'A' && c <= 'Z') o = static_cast<char>(c + 32);
      else if (c >= '0' && c <= '9') o = '0';
      else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') o = static_cast<char>(c);
      else o = ' ';
      if (o == ' ') {
        if (!space) out.push_back(' ');
        space = true;
      } else {
        out.push_back(o);
        space = false;
      }
      continue;
    }
    size_t before = i;
    uint32_t cp = utf8_next(text, i);
    if (is_space_cp(cp) || is_punct_cp(cp)) {
      if (!space) out.push_back(' ');
      space = true;
    } else {
      if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) cp += 0x20;  // Latin-1 upper to lower
      if (cp >= 0xFF10 && cp <= 0xFF19) cp = '0';
      if (cp == 0xFFFD) {
        continue;
      }
      (void)before;
      utf8_append(out, cp);
      space = false;
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

uint64_t hash_bytes(const void* data, size_t n, uint64_t seed) {
  // 8 bytes at a time with a strong 64-bit mix; tail bytes folded in last.
  const unsigned char* p = static_cast<const unsigned char*>(data);
  uint64_t h = seed ^ (0x9E3779B97F4A7C15ull * (n + 1));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    h = mix64(h ^ (v * 0xff51afd7ed558ccdull));
  }
  uint64_t tail = 0;
  for (size_t k = 0; i + k < n; ++k) tail |= static_cast<uint64_t>(p[i + k]) << (8 * k);
  return mix64(h ^ (tail * 0xc4ceb9fe1a85ec53ull) ^ n);
}

}  // namespace llmforge::data
