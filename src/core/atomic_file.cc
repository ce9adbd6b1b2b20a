#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace llmforge {

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  tmp_path_ = path_ + ".tmp-" + std::to_string(::getpid());
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (!file_) {
    ErrorBuilder("io") << "cannot create " << tmp_path_ << ": " << std::strerror(errno);
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(tmp_path_.c_str());
}

void AtomicFileWriter::write(const void* data, size_t bytes) {
  LLMF_CHECK(file_ != nullptr) << "write after commit";
  if (bytes && std::fwrite(data, 1, bytes, file_) != bytes) {
    ErrorBuilder("io") << "cannot write " << tmp_path_ << ": " << std::strerror(errno);
  }
  bytes_written_ += bytes;
}

void AtomicFileWriter::commit() {
  LLMF_CHECK(file_ != nullptr) << "commit twice";
  if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0) {
    ErrorBuilder("io") << "cannot flush " << tmp_path_ << ": " << std::strerror(errno);
  }
  std::fclose(file_);
  file_ = nullptr;
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    ErrorBuilder("io") << "cannot rename " << tmp_path_ << " to " << path_ << ": "
                       << std::strerror(errno);
  }
  committed_ = true;
  std::string dir = std::filesystem::path(path_).parent_path().string();
  fsync_directory(dir.empty() ? "." : dir);
}

void write_file_atomic(const std::string& path, std::string_view contents) {
  AtomicFileWriter writer(path);
  writer.write(contents);
  writer.commit();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ErrorBuilder("io") << "cannot open " << path << ": " << std::strerror(errno);
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) ErrorBuilder("io") << "cannot read " << path;
  return out.str();
}

void fsync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // Not fatal: some filesystems do not allow opening directories.
  ::fsync(fd);
  ::close(fd);
}

}  // namespace llmforge
