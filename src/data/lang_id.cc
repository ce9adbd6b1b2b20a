#include "data/lang_id.h"

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include <cstring>

namespace CLD2 {
// Declared in cld2/internal/lang_script.h, which does not build standalone.
const char* LanguageCode(Language lang);
}  // namespace CLD2

namespace llmforge::data {

LanguageGuess identify_language(std::string_view text, size_t max_bytes) {
  size_t n = std::min(text.size(), max_bytes);
  // Don't cut a UTF-8 sequence: CLD2 expects valid UTF-8.
  while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  CLD2::Language lang3[3];
  int percent3[3];
  double normalized3[3];
  int text_bytes = 0;
  bool reliable = false;
  int valid_prefix = 0;
  CLD2::ResultChunkVector* chunks = nullptr;
  CLD2::CLDHints hints{nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
  CLD2::Language lang = CLD2::ExtDetectLanguageSummaryCheckUTF8(
      text.data(), static_cast<int>(n), true, &hints, 0, lang3, percent3, normalized3, chunks,
      &text_bytes, &reliable, &valid_prefix);
  LanguageGuess g;
  const char* code = CLD2::LanguageCode(lang);
  g.code = code ? code : "un";
  // CLD2 distinguishes zh (simplified) and zh-Hant; both are Chinese for filtering.
  if (g.code == "zh-Hant") g.code = "zh";
  if (lang == CLD2::UNKNOWN_LANGUAGE || g.code == "un") {
    g.code = "un";
    g.score = 0.0;
    return g;
  }
  g.score = percent3[0] / 100.0;
  if (!reliable) g.score *= 0.5;
  return g;
}

}  // namespace llmforge::data
