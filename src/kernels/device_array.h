// A typed, zero-initialised array in a backend's memory, freed through the same
// backend: the one owner of device buffers outside the kernels (the model's three
// arenas, the engine's scratch, the KV cache). On the CPU backend it is a 64-byte
// aligned host array. Movable, not copyable; resizing discards the contents.
#pragma once

#include <cstddef>
#include <utility>

#include "kernels/backend.h"

namespace llmforge {

template <typename T>
class DeviceArray {
 public:
  DeviceArray() = default;
  DeviceArray(const KernelBackend& backend, size_t n) { reset(backend, n); }
  DeviceArray(DeviceArray&& o) noexcept { *this = std::move(o); }
  DeviceArray& operator=(DeviceArray&& o) noexcept {
    if (this != &o) {
      release();
      backend_ = o.backend_;
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() { release(); }

  // Reallocates for n elements, all zero (the whole 64-byte-rounded allocation).
  void reset(const KernelBackend& backend, size_t n) {
    release();
    backend_ = &backend;
    size_ = n;
    if (n == 0) return;
    const size_t padded = (n * sizeof(T) + 63) / 64 * 64;
    data_ = static_cast<T*>(backend.alloc(padded));
    backend.memset(data_, 0, padded);
  }
  void zero() {
    if (size_) backend_->memset(data_, 0, bytes());
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  size_t bytes() const { return size_ * sizeof(T); }

  // Host <-> device transfers of `n` elements starting at element `at`.
  void copy_from_host(const T* src, size_t n, size_t at = 0) {
    if (n) backend_->copy_to_device(data_ + at, src, n * sizeof(T));
  }
  void copy_to_host(T* dst, size_t n, size_t at = 0) const {
    if (n) backend_->copy_to_host(dst, data_ + at, n * sizeof(T));
  }

 private:
  void release() {
    if (data_) backend_->free(data_);
    data_ = nullptr;
    size_ = 0;
  }
  const KernelBackend* backend_ = nullptr;
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace llmforge
