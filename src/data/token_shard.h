// Binary token shards for pretraining (format in docs/data-pipeline.md):
//   offset  size  field
//   0       8     magic "LLMFTOK\0"
//   8       4     version (1), little endian
//   12      4     token width in bytes: 2 or 4
//   16      8     token count
//   24      8     document count
//   32      4     BOS token id
//   36      4     vocabulary size
//   40      24    reserved, zero
//   64      ...   tokens, little endian; every document starts with BOS
// The writer writes to a temporary name and renames on commit, after the header
// holds the final count, so a shard under its final name is always complete; the
// reader also checks the size against the header and rejects truncated files.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace llmforge::data {

constexpr uint32_t kTokenShardVersion = 1;
constexpr size_t kTokenShardHeaderBytes = 64;

struct TokenShardHeader {
  uint32_t version = kTokenShardVersion;
  uint32_t token_width = 2;
  uint64_t token_count = 0;
  uint64_t doc_count = 0;
  uint32_t bos_id = 0;
  uint32_t vocab_size = 0;
};

// 2 when every id fits in 16 bits, else 4.
uint32_t token_width_for_vocab(uint32_t vocab_size);

class TokenShardWriter {
 public:
  TokenShardWriter(std::string path, uint32_t vocab_size, uint32_t bos_id);
  ~TokenShardWriter();  // removes the temporary file unless committed
  TokenShardWriter(const TokenShardWriter&) = delete;
  TokenShardWriter& operator=(const TokenShardWriter&) = delete;

  // Writes BOS then the document's tokens. Throws Error("data") for an id >= vocab.
  void add_document(const std::vector<uint32_t>& tokens);
  void commit();
  uint64_t token_count() const { return header_.token_count; }
  uint64_t doc_count() const { return header_.doc_count; }

 private:
  void write_raw(const void* p, size_t n);
  void write_header();

  std::string path_;
  std::string tmp_path_;
  std::FILE* file_ = nullptr;
  TokenShardHeader header_;
  std::vector<char> buffer_;
  bool committed_ = false;
};

// A shard mapped into memory, read-only. Throws Error("data") naming the file and
// the problem for a wrong magic or version, a bad width, or a truncated file.
class TokenShard {
 public:
  explicit TokenShard(const std::string& path);
  ~TokenShard();
  TokenShard(const TokenShard&) = delete;
  TokenShard& operator=(const TokenShard&) = delete;

  const TokenShardHeader& header() const { return header_; }
  uint64_t size() const { return header_.token_count; }
  uint32_t operator[](uint64_t i) const {
    return header_.token_width == 2 ? reinterpret_cast<const uint16_t*>(tokens_)[i]
                                    : reinterpret_cast<const uint32_t*>(tokens_)[i];
  }
  // Copies tokens [begin, begin + n) widened to 32 bits.
  void read(uint64_t begin, uint64_t n, uint32_t* out) const;

 private:
  std::string path_;
  void* map_ = nullptr;
  size_t map_bytes_ = 0;
  const unsigned char* tokens_ = nullptr;
  TokenShardHeader header_;
};

}  // namespace llmforge::data
