// Atomic file writes: data goes to a temporary file beside the target, is fsynced,
// then renamed over the target, and the directory is fsynced. A process killed at
// any point leaves either the old file or the new one, never a half-written file.
// Errors (disk full, permissions) throw Error("io") naming the path.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace llmforge {

class AtomicFileWriter {
 public:
  // Opens `<path>.tmp-<pid>` for writing.
  explicit AtomicFileWriter(std::string path);
  // Removes the temporary file unless commit() succeeded.
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t bytes);
  void write(std::string_view text) { write(text.data(), text.size()); }
  uint64_t bytes_written() const { return bytes_written_; }
  // Flushes, fsyncs and renames over the target.
  void commit();

 private:
  std::string path_;
  std::string tmp_path_;
  std::FILE* file_ = nullptr;
  uint64_t bytes_written_ = 0;
  bool committed_ = false;
};

// Convenience: atomically replaces `path` with `contents`.
void write_file_atomic(const std::string& path, std::string_view contents);

// Reads a whole file; throws Error("io") naming the path when it cannot.
std::string read_file(const std::string& path);

// fsyncs a directory so that renames inside it survive a crash.
void fsync_directory(const std::string& dir);

}  // namespace llmforge
