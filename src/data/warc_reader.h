// WARC 1.0 / 1.1 reader (also WET, which is WARC with `conversion` records) over a
// ByteReader, so .warc, multi-member .warc.gz and .warc.zst all work. Also parses the
// HTTP response inside `response` records (status, headers, chunked transfer and
// gzip/deflate content encoding).
//
// Damaged input never throws: a record whose Content-Length lies (however large),
// an oversized record, garbage between records, a truncated file or an input with no
// WARC record at all is reported through
// take_errors() as (kind, message naming file and offset) and the reader
// resynchronises on the next "WARC/1." line. Memory per reader is one record, capped
// at `max_record_bytes` (larger records are skipped, not loaded).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/byte_reader.h"

namespace llmforge::data {

struct WarcRecord {
  std::string version;  // "WARC/1.0" or "WARC/1.1"
  std::string type;     // warcinfo, response, resource, request, metadata, conversion, ...
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string block;                            // the content block
  uint64_t offset = 0;                          // decompressed offset of the record

  const std::string& header(const std::string& lower_name) const;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// Parses an HTTP/1.x response. Returns an empty string on success, else why not.
std::string parse_http_response(std::string_view block, size_t max_body_bytes, HttpResponse& out);

struct InputError {
  std::string kind;
  std::string message;
};

class WarcReader {
 public:
  WarcReader(ByteReader& in, size_t max_record_bytes);
  // Reads the next well-formed record; false at the end of the input.
  bool next(WarcRecord& rec);
  std::vector<InputError> take_errors() { return std::exchange(errors_, {}); }
  uint64_t records_read() const { return records_; }

 private:
  void error(const std::string& kind, const std::string& what, uint64_t offset);
  bool find_record_start(std::string& line);
  // Past a record longer than max_record_bytes; false when the input ends in it.
  bool skip_oversized(uint64_t length, uint64_t start);

  ByteReader& in_;
  size_t max_record_bytes_;
  std::vector<InputError> errors_;
  uint64_t records_ = 0;
  bool quiet_resync_ = false;  // skipping the rest of a record already reported
  bool saw_header_ = false;    // any WARC/1.x line at all
};

}  // namespace llmforge::data
