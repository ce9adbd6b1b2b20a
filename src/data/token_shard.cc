#include "data/token_shard.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"

namespace llmforge::data {

namespace {
constexpr char kMagic[8] = {'L', 'L', 'M', 'F', 'T', 'O', 'K', '\0'};
constexpr size_t kBufferBytes = 1 << 20;

void encode_header(const TokenShardHeader& h, unsigned char* out) {
  std::memset(out, 0, kTokenShardHeaderBytes);
  std::memcpy(out, kMagic, 8);
  std::memcpy(out + 8, &h.version, 4);
  std::memcpy(out + 12, &h.token_width, 4);
  std::memcpy(out + 16, &h.token_count, 8);
  std::memcpy(out + 24, &h.doc_count, 8);
  std::memcpy(out + 32, &h.bos_id, 4);
  std::memcpy(out + 36, &h.vocab_size, 4);
}
}  // namespace

uint32_t token_width_for_vocab(uint32_t vocab_size) { return vocab_size <= 65536 ? 2 : 4; }

TokenShardWriter::TokenShardWriter(std::string path, uint32_t vocab_size, uint32_t bos_id)
    : path_(std::move(path)) {
  if (vocab_size == 0) ErrorBuilder("data") << "token shard " << path_ << ": vocabulary size is 0";
  if (bos_id >= vocab_size)
    ErrorBuilder("data") << "token shard " << path_ << ": BOS id " << bos_id << " >= vocabulary size " << vocab_size;
  header_.token_width = token_width_for_vocab(vocab_size);
  header_.vocab_size = vocab_size;
  header_.bos_id = bos_id;
  tmp_path_ = path_ + ".tmp-" + std::to_string(::getpid());
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (!file_) ErrorBuilder("io") << "cannot create " << tmp_path_ << ": " << std::strerror(errno);
  write_header();  // placeholder with count 0; rewritten on commit
  buffer_.reserve(kBufferBytes);
}

TokenShardWriter::~TokenShardWriter() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(tmp_path_.c_str());
}

void TokenShardWriter::write_header() {
  unsigned char h[kTokenShardHeaderBytes];
  encode_header(header_, h);
  if (std::fwrite(h, 1, sizeof h, file_) != sizeof h)
    ErrorBuilder("io") << "write failed for " << tmp_path_;
}

void TokenShardWriter::write_raw(const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  buffer_.insert(buffer_.end(), c, c + n);
  if (buffer_.size() >= kBufferBytes) {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
      ErrorBuilder("io") << "write failed for " << tmp_path_ << " (disk full?)";
    buffer_.clear();
  }
}

void TokenShardWriter::add_document(const std::vector<uint32_t>& tokens) {
  auto put = [&](uint32_t t) {
    if (t >= header_.vocab_size)
      ErrorBuilder("data") << "token id " << t << " >= vocabulary size " << header_.vocab_size;
    if (header_.token_width == 2) {
      uint16_t v = static_cast<uint16_t>(t);
      write_raw(&v, 2);
    } else {
      write_raw(&t, 4);
    }
  };
  put(header_.bos_id);
  for (uint32_t t : tokens) put(t);
  header_.token_count += tokens.size() + 1;
  header_.doc_count += 1;
}

void TokenShardWriter::commit() {
  LLMF_CHECK(!committed_) << "commit twice";
  if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    ErrorBuilder("io") << "write failed for " << tmp_path_ << " (disk full?)";
  buffer_.clear();
  std::fflush(file_);
  std::fseek(file_, 0, SEEK_SET);
  write_header();
  if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0)
    ErrorBuilder("io") << "flush failed for " << tmp_path_ << ": " << std::strerror(errno);
  std::fclose(file_);
  file_ = nullptr;
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0)
    ErrorBuilder("io") << "cannot rename " << tmp_path_ << " to " << path_ << ": " << std::strerror(errno);
  committed_ = true;
  auto dir = std::filesystem::path(path_).parent_path().string();
  fsync_directory(dir.empty() ? "." : dir);
}

TokenShard::TokenShard(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) ErrorBuilder("data") << "cannot open token shard " << path << ": " << std::strerror(errno);
  struct stat st;
  ::fstat(fd, &st);
  size_t size = static_cast<size_t>(st.st_size);
  if (size < kTokenShardHeaderBytes) {
    ::close(fd);
    ErrorBuilder("data") << "token shard " << path << " is truncated: " << size
                         << " bytes, shorter than the " << kTokenShardHeaderBytes << "-byte header";
  }
  map_ = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    ErrorBuilder("data") << "cannot map token shard " << path << ": " << std::strerror(errno);
  }
  map_bytes_ = size;
  const unsigned char* p = static_cast<const unsigned char*>(map_);
  if (std::memcmp(p, kMagic, 8) != 0) {
    ::munmap(map_, map_bytes_);
    map_ = nullptr;
    ErrorBuilder("data") << path << " is not a llmforge token shard (bad magic)";
  }
  std::memcpy(&header_.version, p + 8, 4);
  std::memcpy(&header_.token_width, p + 12, 4);
  std::memcpy(&header_.token_count, p + 16, 8);
  std::memcpy(&header_.doc_count, p + 24, 8);
  std::memcpy(&header_.bos_id, p + 32, 4);
  std::memcpy(&header_.vocab_size, p + 36, 4);
  std::string problem;
  if (header_.version != kTokenShardVersion)
    problem = "unsupported version " + std::to_string(header_.version);
  else if (header_.token_width != 2 && header_.token_width != 4)
    problem = "bad token width " + std::to_string(header_.token_width);
  else if (header_.vocab_size == 0 || header_.vocab_size > uint32_t(INT32_MAX))
    problem = "vocabulary size " + std::to_string(header_.vocab_size) + " in the header is outside 1.." +
              std::to_string(INT32_MAX);
  else if (header_.bos_id >= header_.vocab_size)
    problem = "BOS id " + std::to_string(header_.bos_id) + " in the header is not below the vocabulary size " +
              std::to_string(header_.vocab_size);
  else if (header_.token_width < token_width_for_vocab(header_.vocab_size))
    problem = "token width " + std::to_string(header_.token_width) + " cannot hold a vocabulary of " +
              std::to_string(header_.vocab_size);
  else if (header_.token_count > (size - kTokenShardHeaderBytes) / header_.token_width ||
           size != kTokenShardHeaderBytes + header_.token_count * header_.token_width)
    problem = "is truncated or corrupt: header says " + std::to_string(header_.token_count) +
              " tokens of " + std::to_string(header_.token_width) + " bytes (" +
              std::to_string(kTokenShardHeaderBytes + header_.token_count * header_.token_width) +
              " bytes), file has " + std::to_string(size) + " bytes";
  if (!problem.empty()) {
    ::munmap(map_, map_bytes_);
    map_ = nullptr;
    ErrorBuilder("data") << "token shard " << path << ": " << problem;
  }
  tokens_ = p + kTokenShardHeaderBytes;
}

TokenShard::~TokenShard() {
  if (map_) ::munmap(map_, map_bytes_);
}

void TokenShard::read(uint64_t begin, uint64_t n, uint32_t* out) const {
  LLMF_CHECK(begin + n <= header_.token_count) << "range past the end of " << path_;
  for (uint64_t i = 0; i < n; ++i) out[i] = (*this)[begin + i];
}

}  // namespace llmforge::data
