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

}  // namespace llmforge
