// Character sets: find the one a page declares (HTTP Content-Type, BOM, <meta>) and
// convert to UTF-8 with glibc's iconv. Pages that declare nothing are taken as UTF-8
// when they are valid UTF-8 and as windows-1252 otherwise (what browsers do for
// Western pages). Invalid bytes become U+FFFD; callers count them.
// A CharsetConverter caches iconv handles and is not thread-safe: one per thread.
#pragma once

#include <iconv.h>

#include <map>
#include <string>
#include <string_view>

namespace llmforge::data {

// "text/html; charset=ISO-8859-1" -> "iso-8859-1"; "" when absent.
std::string charset_from_content_type(std::string_view content_type);
// Looks for <meta charset=...> or <meta http-equiv content="...charset=..."> in the
// first bytes of an HTML document. Returns "" when there is none.
std::string sniff_html_charset(std::string_view html);

struct DecodeResult {
  std::string charset;         // what was used, lower case
  size_t invalid_sequences = 0;  // bytes that could not be converted
  bool unknown_charset = false;  // the declared charset is not known to iconv
};

class CharsetConverter {
 public:
  CharsetConverter() = default;
  ~CharsetConverter();
  CharsetConverter(const CharsetConverter&) = delete;
  CharsetConverter& operator=(const CharsetConverter&) = delete;

  // Converts `in` to UTF-8 in `out`. `declared` may be empty (then BOM, <meta> when
  // `is_html`, and UTF-8 validity decide).
  DecodeResult to_utf8(std::string_view in, std::string declared, bool is_html, std::string& out);

 private:
  iconv_t handle(const std::string& charset);
  std::map<std::string, iconv_t> handles_;
};

}  // namespace llmforge::data
