// libFuzzer target for the parsers that see untrusted bytes: the decompressing
// reader, the WARC reader, the HTTP response parser, charset conversion and the
// HTML extractor. Built with clang -fsanitize=fuzzer,address,undefined and run for
// a bounded time by ctest (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/byte_reader.h"
#include "data/charset.h"
#include "data/html_extract.h"
#include "data/warc_reader.h"

using namespace llmforge::data;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  {
    ByteReader in(bytes, "fuzz");
    WarcReader warc(in, 1 << 20);
    WarcRecord rec;
    CharsetConverter conv;
    int n = 0;
    while (warc.next(rec) && n++ < 64) {
      HttpResponse http;
      std::string_view body = rec.block;
      if (parse_http_response(rec.block, 1 << 20, http).empty()) body = http.body;
      std::string utf8;
      conv.to_utf8(body, "", true, utf8);
      extract_html(utf8);
    }
    warc.take_errors();
  }
  // The extractor on its own, on the raw bytes made valid UTF-8.
  CharsetConverter conv;
  std::string utf8;
  conv.to_utf8(bytes, "utf-8", true, utf8);
  extract_html(utf8);
  return 0;
}
