// Reads the documents to index from the data pipeline's inputs, one at a time:
// cleaned JSONL (`llmforge data` output or any {"text": ...} lines; the title is
// the first line of the text), WARC/WET (response, resource and
// conversion records; HTML is reduced to text with its <title> kept) and plain text
// files (one document each, titled by the file name). Compressed inputs work as in
// the data pipeline. Damaged records are counted and skipped, never fatal.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/input_files.h"
#include "search/search_index.h"

namespace llmforge::search {

struct SourceStats {
  int64_t documents = 0;
  int64_t skipped = 0;      // records that are not documents (non-text, non-2xx, empty)
  int64_t errors = 0;       // damaged records and lines
  uint64_t input_bytes = 0; // decompressed bytes read
  std::string first_error;  // to show the user what went wrong
};

// Calls `sink` for every document of every file in order; `on_progress` (may be
// null) after each document with the stats so far. Memory: one record at a time.
void read_documents(const std::vector<data::InputFile>& inputs,
                    const std::function<void(const IndexDocument&)>& sink,
                    const std::function<void(const SourceStats&)>& on_progress, SourceStats& stats);

}  // namespace llmforge::search
