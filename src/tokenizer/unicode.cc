// UTF-8 validation on top of the decoder in unicode.h.
#include "tokenizer/unicode.h"

namespace llmforge {

bool utf8_valid(const uint8_t* p, size_t n) {
  const uint8_t* end = p + n;
  while (p < end) {
    int len;
    if (utf8_decode(p, end, &len) == 0xFFFFFFFFu) return false;
    p += len;
  }
  return true;
}

std::string utf8_with_replacements(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* end = p + bytes.size();
  while (p < end) {
    int len;
    if (utf8_decode(p, end, &len) != 0xFFFFFFFFu) {
      out.append(reinterpret_cast<const char*>(p), len);
      p += len;
      continue;
    }
    // One U+FFFD per maximal prefix of a valid sequence (the Unicode "maximal
    // subpart" practice, as Python's errors="replace"): a lead byte and the
    // continuation bytes that could still have completed it.
    int need = (*p >= 0xC2 && *p <= 0xDF) ? 1 : (*p >= 0xE0 && *p <= 0xEF) ? 2
                                                : (*p >= 0xF0 && *p <= 0xF4) ? 3 : 0;
    const uint8_t* q = p + 1;
    for (int i = 0; i < need && q < end; ++i, ++q) {
      uint8_t lo = 0x80, hi = 0xBF;
      if (i == 0 && *p == 0xE0) lo = 0xA0;
      if (i == 0 && *p == 0xED) hi = 0x9F;
      if (i == 0 && *p == 0xF0) lo = 0x90;
      if (i == 0 && *p == 0xF4) hi = 0x8F;
      if (*q < lo || *q > hi) break;
    }
    out.append("\xEF\xBF\xBD");
    p = q;
  }
  return out;
}

}  // namespace llmforge
