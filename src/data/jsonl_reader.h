// Reads documents from JSON lines (.jsonl, .jsonl.gz, .jsonl.zst) through a
// ByteReader. The text field's name is configurable; id, url and date are taken
// when present. A line that is too long, not JSON, or has no text field is
// skipped and reported through take_errors(). Not thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "data/byte_reader.h"
#include "data/document.h"
#include "data/warc_reader.h"

namespace llmforge::data {

class JsonlReader {
 public:
  JsonlReader(ByteReader& in, std::string text_field, size_t max_line_bytes);
  // False at the end of the input.
  bool next(Document& doc);
  std::vector<InputError> take_errors() { return std::exchange(errors_, {}); }
  uint64_t line_number() const { return line_no_; }
  // The raw line of the document next() returned last.
  const std::string& last_line() const { return line_; }

 private:
  ByteReader& in_;
  std::string text_field_;
  size_t max_line_bytes_;
  uint64_t line_no_ = 0;
  std::string line_;
  std::vector<InputError> errors_;
};

}  // namespace llmforge::data
