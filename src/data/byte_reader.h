// Streaming reader over a file that may be plain, gzip (including the multi-member
// gzip of .warc.gz, one member per record) or zstd; the format is detected from the
// first bytes, not the file name. Memory is one fixed buffer for compressed input and
// whatever the caller asks for.
//
// Errors are data, not exceptions: a truncated or corrupt stream ends the stream and
// sets error() to a message naming the file and the compressed offset, so a pipeline
// can count it and go on with the next file. Only a file that cannot be opened throws.
// Not thread-safe; one reader per thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace llmforge::data {

enum class Compression { None, Gzip, Zstd };

class ByteReader {
 public:
  explicit ByteReader(const std::string& path);
  // Reads from memory (tests and the fuzzer); `name` is used in error messages.
  ByteReader(std::string data, std::string name);
  ~ByteReader();
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;

  // Reads up to `n` decompressed bytes; returns 0 at the end of the stream or on error.
  size_t read(char* out, size_t n);
  // Appends one line without its '\n' (and without a trailing '\r') to `line`.
  // Lines longer than `max_bytes` are cut there; the rest of the line is skipped and
  // `*truncated` set. Returns false at the end of the stream with nothing read.
  bool read_line(std::string& line, size_t max_bytes, bool* truncated);
  // Reads exactly `n` bytes unless the stream ends first; returns how many were read.
  size_t read_exact(char* out, size_t n);
  // Skips `n` bytes; returns how many were skipped.
  uint64_t skip(uint64_t n);
  // Puts bytes back in front of the stream (used to resynchronise after a bad record).
  void unread(const char* data, size_t n);

  Compression compression() const { return compression_; }
  const std::string& path() const { return path_; }
  // Bytes of the file consumed so far (compressed bytes for compressed files).
  uint64_t raw_bytes_read() const { return raw_bytes_read_; }
  // Decompressed bytes handed out so far.
  uint64_t bytes_read() const { return bytes_read_; }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  size_t fill();  // refills out_buf_ from the decoder; returns bytes available
  size_t decode_gzip(char* out, size_t n);
  size_t decode_zstd(char* out, size_t n);
  bool refill_input();
  void fail(const std::string& what);
  void init_after_open();

  std::string path_;
  std::string memory_;  // backing store for the in-memory constructor
  std::FILE* file_ = nullptr;
  Compression compression_ = Compression::None;
  std::vector<char> in_buf_;
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  bool in_eof_ = false;
  std::vector<char> out_buf_;
  size_t out_pos_ = 0;
  size_t out_len_ = 0;
  std::string pushback_;  // bytes given back by unread(), served first
  size_t pushback_pos_ = 0;
  bool stream_end_ = false;
  bool member_open_ = false;  // gzip: inside a member
  uint64_t raw_bytes_read_ = 0;
  uint64_t bytes_read_ = 0;
  std::string error_;
  struct Codec;
  std::unique_ptr<Codec> codec_;
};

// True when the file starts with the gzip or zstd magic bytes.
Compression detect_compression(const std::string& path);

}  // namespace llmforge::data
