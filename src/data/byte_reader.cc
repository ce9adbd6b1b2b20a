#include "data/byte_reader.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace llmforge::data {

namespace {
constexpr size_t kInBufBytes = 1 << 18;
constexpr size_t kOutBufBytes = 1 << 18;
}  // namespace

struct ByteReader::Codec {
  z_stream z{};
  bool z_init = false;
  ZSTD_DCtx* zstd = nullptr;
  ~Codec() {
    if (z_init) inflateEnd(&z);
    if (zstd) ZSTD_freeDCtx(zstd);
  }
};

Compression detect_compression(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) ErrorBuilder("data") << "cannot open " << path << ": " << std::strerror(errno);
  unsigned char magic[4] = {0, 0, 0, 0};
  size_t n = std::fread(magic, 1, 4, f);
  std::fclose(f);
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return Compression::Gzip;
  if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
    return Compression::Zstd;
  return Compression::None;
}

ByteReader::ByteReader(const std::string& path)
    : path_(path), in_buf_(kInBufBytes), out_buf_(kOutBufBytes), codec_(new Codec) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) ErrorBuilder("data") << "cannot open " << path << ": " << std::strerror(errno);
  init_after_open();
}

ByteReader::ByteReader(std::string data, std::string name)
    : path_(std::move(name)), memory_(std::move(data)), in_buf_(kInBufBytes),
      out_buf_(kOutBufBytes), codec_(new Codec) {
  // fmemopen rejects a zero-length buffer; an empty stream needs no file at all.
  if (!memory_.empty()) {
    file_ = fmemopen(memory_.data(), memory_.size(), "rb");
    if (!file_) ErrorBuilder("data") << "fmemopen failed for " << path_;
  } else {
    in_eof_ = true;
  }
  init_after_open();
}

void ByteReader::init_after_open() {
  if (file_) {
    unsigned char magic[4] = {0, 0, 0, 0};
    size_t n = std::fread(magic, 1, 4, file_);
    std::rewind(file_);
    if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) compression_ = Compression::Gzip;
    if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
      compression_ = Compression::Zstd;
  }
  if (compression_ == Compression::Zstd) codec_->zstd = ZSTD_createDCtx();
}

ByteReader::~ByteReader() {
  if (file_) std::fclose(file_);
}

void ByteReader::fail(const std::string& what) {
  if (error_.empty()) {
    error_ = path_ + ": " + what + " at compressed offset " + std::to_string(raw_bytes_read_);
  }
  stream_end_ = true;
}

bool ByteReader::refill_input() {
  if (in_pos_ < in_len_) return true;
  if (in_eof_ || !file_) return false;
  in_len_ = std::fread(in_buf_.data(), 1, in_buf_.size(), file_);
  in_pos_ = 0;
  if (in_len_ == 0) {
    in_eof_ = true;
    return false;
  }
  return true;
}

size_t ByteReader::decode_gzip(char* out, size_t n) {
  z_stream& z = codec_->z;
  size_t produced = 0;
  while (produced == 0) {
    if (!refill_input()) {
      if (member_open_) fail("truncated gzip stream");
      stream_end_ = true;
      return 0;
    }
    if (!member_open_) {
      // A new member starts; between members only gzip magic is valid.
      if (!codec_->z_init) {
        if (inflateInit2(&z, 15 + 16) != Z_OK) {
          fail("zlib init failed");
          return 0;
        }
        codec_->z_init = true;
      } else {
        inflateReset(&z);
      }
      member_open_ = true;
    }
    z.next_in = reinterpret_cast<Bytef*>(in_buf_.data() + in_pos_);
    z.avail_in = static_cast<uInt>(in_len_ - in_pos_);
    z.next_out = reinterpret_cast<Bytef*>(out);
    z.avail_out = static_cast<uInt>(n);
    int rc = inflate(&z, Z_NO_FLUSH);
    size_t used = (in_len_ - in_pos_) - z.avail_in;
    in_pos_ += used;
    raw_bytes_read_ += used;
    produced = n - z.avail_out;
    if (rc == Z_STREAM_END) {
      member_open_ = false;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      fail(std::string("corrupt gzip data (") + (z.msg ? z.msg : "zlib error") + ")");
      return produced;
    }
  }
  return produced;
}

size_t ByteReader::decode_zstd(char* out, size_t n) {
  size_t produced = 0;
  bool frame_open = member_open_;
  while (produced == 0) {
    if (!refill_input()) {
      if (frame_open) fail("truncated zstd stream");
      stream_end_ = true;
      return 0;
    }
    ZSTD_inBuffer in{in_buf_.data() + in_pos_, in_len_ - in_pos_, 0};
    ZSTD_outBuffer o{out, n, 0};
    size_t rc = ZSTD_decompressStream(codec_->zstd, &o, &in);
    in_pos_ += in.pos;
    raw_bytes_read_ += in.pos;
    produced = o.pos;
    if (ZSTD_isError(rc)) {
      fail(std::string("corrupt zstd data (") + ZSTD_getErrorName(rc) + ")");
      return produced;
    }
    frame_open = rc != 0;
    member_open_ = frame_open;
  }
  return produced;
}

size_t ByteReader::fill() {
  if (out_pos_ < out_len_) return out_len_ - out_pos_;
  if (stream_end_) return 0;
  out_pos_ = 0;
  out_len_ = 0;
  switch (compression_) {
    case Compression::None: {
      if (!refill_input()) {
        stream_end_ = true;
        return 0;
      }
      size_t take = std::min(out_buf_.size(), in_len_ - in_pos_);
      std::memcpy(out_buf_.data(), in_buf_.data() + in_pos_, take);
      in_pos_ += take;
      raw_bytes_read_ += take;
      out_len_ = take;
      break;
    }
    case Compression::Gzip:
      out_len_ = decode_gzip(out_buf_.data(), out_buf_.size());
      break;
    case Compression::Zstd:
      out_len_ = decode_zstd(out_buf_.data(), out_buf_.size());
      break;
  }
  return out_len_;
}

size_t ByteReader::read(char* out, size_t n) {
  size_t done = 0;
  while (done < n && pushback_pos_ < pushback_.size()) {
    size_t take = std::min(n - done, pushback_.size() - pushback_pos_);
    std::memcpy(out + done, pushback_.data() + pushback_pos_, take);
    pushback_pos_ += take;
    done += take;
  }
  if (pushback_pos_ == pushback_.size() && !pushback_.empty()) {
    pushback_.clear();
    pushback_pos_ = 0;
  }
  while (done < n) {
    size_t avail = fill();
    if (avail == 0) break;
    size_t take = std::min(avail, n - done);
    std::memcpy(out + done, out_buf_.data() + out_pos_, take);
    out_pos_ += take;
    done += take;
  }
  bytes_read_ += done;
  return done;
}

size_t ByteReader::read_exact(char* out, size_t n) { return read(out, n); }

uint64_t ByteReader::skip(uint64_t n) {
  char buf[65536];
  uint64_t done = 0;
  while (done < n) {
    size_t got = read(buf, static_cast<size_t>(std::min<uint64_t>(sizeof(buf), n - done)));
    if (got == 0) break;
    done += got;
  }
  return done;
}

void ByteReader::unread(const char* data, size_t n) {
  std::string rest = pushback_.substr(pushback_pos_);
  pushback_.assign(data, n);
  pushback_ += rest;
  pushback_pos_ = 0;
  bytes_read_ -= std::min<uint64_t>(bytes_read_, n);
}

bool ByteReader::read_line(std::string& line, size_t max_bytes, bool* truncated) {
  line.clear();
  if (truncated) *truncated = false;
  bool any = false;
  for (;;) {
    // Serve pushed-back bytes one chunk at a time through read() semantics.
    if (pushback_pos_ < pushback_.size()) {
      const char* p = pushback_.data() + pushback_pos_;
      size_t avail = pushback_.size() - pushback_pos_;
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', avail));
      size_t take = nl ? static_cast<size_t>(nl - p) : avail;
      any = true;
      size_t room = line.size() < max_bytes ? max_bytes - line.size() : 0;
      if (take > room && truncated) *truncated = true;
      line.append(p, std::min(take, room));
      pushback_pos_ += take + (nl ? 1 : 0);
      bytes_read_ += take + (nl ? 1 : 0);
      if (pushback_pos_ >= pushback_.size()) {
        pushback_.clear();
        pushback_pos_ = 0;
      }
      if (nl) break;
      continue;
    }
    size_t avail = fill();
    if (avail == 0) break;
    const char* p = out_buf_.data() + out_pos_;
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', avail));
    size_t take = nl ? static_cast<size_t>(nl - p) : avail;
    any = true;
    size_t room = line.size() < max_bytes ? max_bytes - line.size() : 0;
    if (take > room && truncated) *truncated = true;
    line.append(p, std::min(take, room));
    out_pos_ += take + (nl ? 1 : 0);
    bytes_read_ += take + (nl ? 1 : 0);
    if (nl) break;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return any;
}

}  // namespace llmforge::data
