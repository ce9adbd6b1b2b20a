#include "core/arena.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace llmforge {

Arena::Arena(size_t n_floats) : size_(n_floats) {
  if (n_floats == 0) return;
  size_t bytes = (n_floats * sizeof(float) + 63) / 64 * 64;
  float* p = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (!p) ErrorBuilder("memory") << "cannot allocate " << format_bytes(bytes);
  std::memset(p, 0, bytes);
  data_.reset(p);
}

void Arena::zero() {
  if (size_) std::memset(data_.get(), 0, bytes());
}

size_t ArenaLayout::add(const std::string& name, size_t n_floats) {
  size_t offset = total_;
  regions_.push_back({name, offset, n_floats});
  total_ += (n_floats + 15) / 16 * 16;
  return offset;
}

std::string format_bytes(double bytes) {
  char buf[32];
  if (bytes >= 1024.0 * 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
  } else if (bytes >= 1024.0 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / (1024.0 * 1024));
  } else if (bytes >= 1024.0) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f B", bytes);
  }
  return buf;
}

}  // namespace llmforge
