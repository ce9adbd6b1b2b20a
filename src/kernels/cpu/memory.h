// The CPU backend's memory: 64-byte-aligned host allocations (a cache line, and the
// alignment oneDNN prefers); the copies and the set are plain memcpy/memset.
#pragma once

#include <cstddef>

namespace llmforge::cpu {

void* alloc(size_t bytes);  // throws Error when the allocation fails
void free(void* p);
void memset(void* dst, int value, size_t bytes);
void copy_to_device(void* dst, const void* host_src, size_t bytes);
void copy_to_host(void* host_dst, const void* src, size_t bytes);
void copy(void* dst, const void* src, size_t bytes);

}  // namespace llmforge::cpu
