// Unicode character classes for pre-tokenization, and a UTF-8 decoder that never
// fails: tiktoken's split patterns need \p{L}, \p{Lu}/\p{Lt}/\p{Ll}/\p{Lm}/\p{Lo},
// \p{M}, \p{N} and \s (White_Space). The flag table is generated at build time from
// Debian's unicode-data (Unicode 15.0) by gen_unicode_tables.py.
//
// Unicode version: Debian 12's unicode-data is Unicode 15.0. The npm tiktoken build
// (regex-syntax 0.8.5) uses Unicode 16.0, and Python tiktoken's depends on its regex
// crate. Characters first assigned in 15.1 or 16.0 (CJK Extension I, Garay, Todhri,
// ... about 5,800 code points) are unassigned here, so text with them can split
// differently from npm tiktoken; every character assigned in 15.0 matches (see
// tests/tokenizer/parity_test.cc).
//
// Invalid UTF-8 (bad lead bytes, truncated sequences, overlongs, surrogates) decodes
// one byte at a time as a "character" with no class, so byte-level BPE still
// round-trips arbitrary bytes; tiktoken itself only ever sees valid UTF-8.
#pragma once

#include <string>
#include <string_view>

#include <cstddef>
#include <cstdint>

namespace llmforge {

// Flag bits per code point (must match gen_unicode_tables.py).
enum : uint8_t {
  kCharLetter = 1,     // \p{L}
  kCharNumber = 2,     // \p{N}
  kCharSpace = 4,      // \s (White_Space)
  kCharUpperish = 8,   // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
  kCharLowerish = 16,  // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
  kCharMark = 32,      // \p{M}
};

namespace unicode_detail {
extern const uint16_t kStage1[0x110000 >> 8];
extern const uint8_t kStage2[];
}  // namespace unicode_detail

inline uint8_t unicode_flags(uint32_t cp) {
  if (cp >= 0x110000) return 0;
  return unicode_detail::kStage2[unicode_detail::kStage1[cp >> 8] * 256u + (cp & 255u)];
}

// Decodes the character at p (p < end). Returns its code point, or 0xFFFFFFFF for an
// invalid byte; *len is the number of bytes consumed (1..4).
inline uint32_t utf8_decode(const uint8_t* p, const uint8_t* end, int* len) {
  uint8_t b0 = p[0];
  if (b0 < 0x80) {
    *len = 1;
    return b0;
  }
  *len = 1;
  ptrdiff_t avail = end - p;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (avail >= 2 && (p[1] & 0xC0) == 0x80) {
      *len = 2;
      return ((b0 & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    }
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (avail >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
      uint32_t cp = ((b0 & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
      if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
        *len = 3;
        return cp;
      }
    }
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (avail >= 4 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
        (p[3] & 0xC0) == 0x80) {
      uint32_t cp = ((b0 & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
                    (p[3] & 0x3Fu);
      if (cp >= 0x10000 && cp <= 0x10FFFF) {
        *len = 4;
        return cp;
      }
    }
  }
  return 0xFFFFFFFFu;
}

// `bytes` as valid UTF-8: each invalid sequence becomes U+FFFD, one per maximal
// prefix of a valid sequence (the Unicode "maximal subpart" practice, as Python's
// errors="replace").
std::string utf8_with_replacements(std::string_view bytes);

// True when `text` is valid UTF-8.
bool utf8_valid(const uint8_t* p, size_t n);

}  // namespace llmforge
