#include "data/jsonl_writer.h"

#include <zstd.h>

#include <vector>

#include "core/error.h"

namespace llmforge::data {

namespace {
constexpr size_t kFlushBytes = 1 << 20;
}

struct JsonlWriter::ZstdState {
  ZSTD_CCtx* ctx = nullptr;
  std::vector<char> out;
  ~ZstdState() {
    if (ctx) ZSTD_freeCCtx(ctx);
  }
};

JsonlWriter::JsonlWriter(const std::string& path, int zstd_level)
    : file_(path), zstd_level_(zstd_level) {
  if (zstd_level_ > 0) {
    zstd_ = std::make_unique<ZstdState>();
    zstd_->ctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(zstd_->ctx, ZSTD_c_compressionLevel, zstd_level_);
    zstd_->out.resize(ZSTD_CStreamOutSize());
  }
}

JsonlWriter::~JsonlWriter() = default;

void JsonlWriter::compress(std::string_view data, bool end) {
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  for (;;) {
    ZSTD_outBuffer out{zstd_->out.data(), zstd_->out.size(), 0};
    size_t rc = ZSTD_compressStream2(zstd_->ctx, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(rc)) ErrorBuilder("data") << "zstd compression failed: " << ZSTD_getErrorName(rc);
    file_.write(zstd_->out.data(), out.pos);
    bool done = end ? rc == 0 : in.pos == in.size;
    if (done) break;
  }
}

void JsonlWriter::write_line(std::string_view line) {
  buffer_.append(line);
  buffer_.push_back('\n');
  bytes_ += line.size() + 1;
  ++lines_;
  if (buffer_.size() >= kFlushBytes) {
    if (zstd_) compress(buffer_, false);
    else file_.write(buffer_);
    buffer_.clear();
  }
}

void JsonlWriter::commit() {
  if (zstd_) compress(buffer_, true);
  else file_.write(buffer_);
  buffer_.clear();
  file_.commit();
}

}  // namespace llmforge::data
