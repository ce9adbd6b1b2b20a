// Hand-written equivalents of tiktoken's split regexes; see pretokenizer.h.
#include "tokenizer/pretokenizer.h"

#include "tokenizer/unicode.h"

namespace llmforge {
namespace {

using P = const uint8_t*;

constexpr uint8_t kLN = kCharLetter | kCharNumber;
constexpr uint8_t kLNS = kCharLetter | kCharNumber | kCharSpace;

const char kGpt2Regex[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char kCl100kRegex[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// The form in Python tiktoken >= 0.8 (possessive quantifiers, \s++$); same splits.
const char kCl100kRegexPossessive[] =
    R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s)";
const char kO200kRegex[] =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char kLlmforgeRegex[] =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// llama.cpp's form of Qwen2's split regex: (?i:...) contractions written as ASCII
// classes (so U+017F does not fold to 's', unlike cl100k in tiktoken), digits one by one.
const char kQwen2Regex[] =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Flags of the character at q (q < end) and its length in bytes.
inline uint8_t flags_at(P q, P end, int* len) {
  if (*q < 0x80) {
    *len = 1;
    return unicode_detail::kStage2[unicode_detail::kStage1[0] * 256u + *q];
  }
  uint32_t cp = utf8_decode(q, end, len);
  return unicode_flags(cp);  // 0 for invalid bytes
}

// Advances over characters whose flags satisfy `want` (any bit) / `none` (no bit).
inline P scan_any(P q, P end, uint8_t want) {
  int len;
  while (q < end && (flags_at(q, end, &len) & want)) q += len;
  return q;
}
inline P scan_other(P q, P end) {  // [^\s\p{L}\p{N}]*
  int len;
  while (q < end && !(flags_at(q, end, &len) & kLNS)) q += len;
  return q;
}
inline bool is_other(P q, P end) {
  int len;
  return q < end && !(flags_at(q, end, &len) & kLNS);
}
inline bool is_crlf(uint8_t c) { return c == '\r' || c == '\n'; }

// 's 't 're 've 'm 'll 'd at q; returns the end or nullptr. With ignore_case, Unicode
// simple case folding also lets U+017F LATIN SMALL LETTER LONG S stand for 's' unless
// `ascii_only` (llama.cpp's '[sS] classes).
inline P match_contraction(P q, P end, bool ignore_case, bool ascii_only = false) {
  if (q + 1 >= end || q[0] != '\'') return nullptr;
  auto lower = [&](uint8_t c) -> uint8_t {
    return (ignore_case && c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c | 0x20) : c;
  };
  uint8_t c1 = lower(q[1]);
  if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return q + 2;
  if (ignore_case && !ascii_only && q[1] == 0xC5 && q + 2 < end && q[2] == 0xBF) return q + 3;
  if (q + 2 < end) {
    uint8_t c2 = lower(q[2]);
    if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))
      return q + 3;
  }
  return nullptr;
}

// The whitespace alternatives at p (a whitespace character). With `newline_rule`
// (cl100k, o200k): `\s*[\r\n]+` first, which backtracks to just after the last CR/LF
// of the run. Then `\s+(?!\S)`: the whole run at the end of the text, else the run
// minus its last character; then `\s+`, which only ever matches one character here.
inline P match_whitespace(P p, P end, bool newline_rule) {
  P q = p, last_start = p, after_newline = nullptr;
  int len;
  while (q < end && (flags_at(q, end, &len) & kCharSpace)) {
    if (newline_rule && is_crlf(*q)) after_newline = q + 1;
    last_start = q;
    q += len;
  }
  if (after_newline) return after_newline;
  if (q == end) return q;
  return last_start > p ? last_start : q;
}

P next_gpt2(P p, P end) {
  if (P r = match_contraction(p, end, false)) return r;
  P q = (*p == ' ') ? p + 1 : p;
  if (q < end) {
    int len;
    uint8_t f = flags_at(q, end, &len);
    if (f & kCharLetter) return scan_any(q + len, end, kCharLetter);
    if (f & kCharNumber) return scan_any(q + len, end, kCharNumber);
    if (!(f & kLNS)) return scan_other(q + len, end);
  }
  return match_whitespace(p, end, false);
}

// cl100k (max_digits 3, Unicode case folding) and qwen2 (1, ASCII only).
P next_cl100k(P p, P end, int max_digits, bool ascii_only) {
  if (P r = match_contraction(p, end, true, ascii_only)) return r;
  int len;
  uint8_t f = flags_at(p, end, &len);
  if (f & kCharLetter) return scan_any(p + len, end, kCharLetter);
  if (!(f & kLN) && !is_crlf(*p) && p + len < end) {  // [^\r\n\p{L}\p{N}]?\p{L}+
    int len2;
    if (flags_at(p + len, end, &len2) & kCharLetter)
      return scan_any(p + len + len2, end, kCharLetter);
  }
  if (f & kCharNumber) {  // \p{N}{1,3}
    P q = p + len;
    for (int i = 1; i < max_digits && q < end; ++i) {
      int l;
      if (!(flags_at(q, end, &l) & kCharNumber)) break;
      q += l;
    }
    return q;
  }
  P q = (*p == ' ') ? p + 1 : p;  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  if (is_other(q, end)) {
    q = scan_other(q, end);
    while (q < end && is_crlf(*q)) ++q;
    return q;
  }
  return match_whitespace(p, end, true);
}

// [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+ at q, then the optional
// contraction. The greedy upper-ish run gives back characters until the lower-ish run
// can start: that is the character after the run when it is lower-ish (then the
// lower-ish run continues greedily), else the last lower-ish character inside the run.
P o200k_lower_word(P q, P end) {
  P a = q, last_lower_end = nullptr;
  int len;
  while (a < end) {
    uint8_t f = flags_at(a, end, &len);
    if (!(f & kCharUpperish)) break;
    if (f & kCharLowerish) last_lower_end = a + len;
    a += len;
  }
  P e;
  if (a < end && (flags_at(a, end, &len) & kCharLowerish)) {
    e = scan_any(a + len, end, kCharLowerish);
  } else if (last_lower_end) {
    e = last_lower_end;
  } else {
    return nullptr;
  }
  P c = match_contraction(e, end, true);
  return c ? c : e;
}

// [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]* at q, then the contraction.
P o200k_upper_word(P q, P end) {
  int len;
  if (q >= end || !(flags_at(q, end, &len) & kCharUpperish)) return nullptr;
  P e = scan_any(scan_any(q + len, end, kCharUpperish), end, kCharLowerish);
  P c = match_contraction(e, end, true);
  return c ? c : e;
}

P next_o200k(P p, P end, int max_digits) {
  int len;
  uint8_t f = flags_at(p, end, &len);
  bool prefix = !(f & kLN) && !is_crlf(*p);  // [^\r\n\p{L}\p{N}]? can take p
  P r;
  if (prefix && (r = o200k_lower_word(p + len, end))) return r;
  if ((r = o200k_lower_word(p, end))) return r;
  if (prefix && (r = o200k_upper_word(p + len, end))) return r;
  if ((r = o200k_upper_word(p, end))) return r;
  if (f & kCharNumber) {
    P q = p + len;
    for (int i = 1; i < max_digits && q < end; ++i) {
      int l;
      if (!(flags_at(q, end, &l) & kCharNumber)) break;
      q += l;
    }
    return q;
  }
  P q = (*p == ' ') ? p + 1 : p;  //  ?[^\s\p{L}\p{N}]+[\r\n/]*
  if (is_other(q, end)) {
    q = scan_other(q, end);
    while (q < end && (is_crlf(*q) || *q == '/')) ++q;
    return q;
  }
  return match_whitespace(p, end, true);
}

}  // namespace

const uint8_t* next_piece_end(SplitPattern pattern, const uint8_t* p, const uint8_t* end) {
  switch (pattern) {
    case SplitPattern::kGpt2:
      return next_gpt2(p, end);
    case SplitPattern::kCl100k:
      return next_cl100k(p, end, 3, false);
    case SplitPattern::kQwen2:
      return next_cl100k(p, end, 1, true);
    case SplitPattern::kO200k:
      return next_o200k(p, end, 3);
    case SplitPattern::kLlmforge:
      return next_o200k(p, end, 1);
  }
  return end;
}

const char* split_pattern_regex(SplitPattern pattern) {
  switch (pattern) {
    case SplitPattern::kGpt2:
      return kGpt2Regex;
    case SplitPattern::kCl100k:
      return kCl100kRegex;
    case SplitPattern::kO200k:
      return kO200kRegex;
    case SplitPattern::kLlmforge:
      return kLlmforgeRegex;
    case SplitPattern::kQwen2:
      return kQwen2Regex;
  }
  return "";
}

const char* split_pattern_name(SplitPattern pattern) {
  switch (pattern) {
    case SplitPattern::kGpt2:
      return "gpt2";
    case SplitPattern::kCl100k:
      return "cl100k";
    case SplitPattern::kO200k:
      return "o200k";
    case SplitPattern::kLlmforge:
      return "llmforge";
    case SplitPattern::kQwen2:
      return "qwen2";
  }
  return "";
}

std::optional<SplitPattern> split_pattern_from_regex(std::string_view regex) {
  if (regex == kGpt2Regex) return SplitPattern::kGpt2;
  if (regex == kCl100kRegex || regex == kCl100kRegexPossessive) return SplitPattern::kCl100k;
  if (regex == kO200kRegex) return SplitPattern::kO200k;
  if (regex == kLlmforgeRegex) return SplitPattern::kLlmforge;
  if (regex == kQwen2Regex) return SplitPattern::kQwen2;
  return std::nullopt;
}

std::optional<SplitPattern> split_pattern_from_name(std::string_view name) {
  for (SplitPattern p : {SplitPattern::kGpt2, SplitPattern::kCl100k, SplitPattern::kO200k,
                         SplitPattern::kLlmforge, SplitPattern::kQwen2}) {
    if (name == split_pattern_name(p)) return p;
  }
  return std::nullopt;
}

}  // namespace llmforge
