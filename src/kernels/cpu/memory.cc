#include "kernels/cpu/memory.h"

#include <cstdlib>
#include <cstring>

#include "core/arena.h"
#include "core/error.h"

namespace llmforge::cpu {

void* alloc(size_t bytes) {
  if (bytes == 0) return nullptr;
  const size_t padded = (bytes + 63) / 64 * 64;  // aligned_alloc wants a multiple
  void* p = std::aligned_alloc(64, padded);
  if (!p) ErrorBuilder("memory") << "cannot allocate " << format_bytes(double(padded));
  return p;
}

void free(void* p) { std::free(p); }

void memset(void* dst, int value, size_t bytes) {
  if (bytes) std::memset(dst, value, bytes);
}

void copy_to_device(void* dst, const void* host_src, size_t bytes) {
  if (bytes) std::memcpy(dst, host_src, bytes);
}

void copy_to_host(void* host_dst, const void* src, size_t bytes) {
  if (bytes) std::memcpy(host_dst, src, bytes);
}

void copy(void* dst, const void* src, size_t bytes) {
  if (bytes) std::memcpy(dst, src, bytes);
}

}  // namespace llmforge::cpu
