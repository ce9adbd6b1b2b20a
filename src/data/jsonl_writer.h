// Writes JSON lines to a file atomically (temporary file, renamed on commit), with
// optional zstd compression. Nothing appears under the final name until commit().
// Not thread-safe: one writer per output file.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/atomic_file.h"

namespace llmforge::data {

class JsonlWriter {
 public:
  // `zstd_level` 0 writes plain text.
  JsonlWriter(const std::string& path, int zstd_level);
  ~JsonlWriter();
  void write_line(std::string_view line);
  void commit();
  uint64_t lines() const { return lines_; }
  uint64_t uncompressed_bytes() const { return bytes_; }

 private:
  void compress(std::string_view data, bool end);

  AtomicFileWriter file_;
  int zstd_level_;
  struct ZstdState;
  std::unique_ptr<ZstdState> zstd_;
  std::string buffer_;
  uint64_t lines_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace llmforge::data
