// One contiguous, 64-byte-aligned, zero-initialised float buffer carved into named
// regions from a table. The model keeps three: parameters, gradients, activations.
// Owns its memory; movable, not copyable. Not thread-safe to resize.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace llmforge {

class Arena {
 public:
  Arena() = default;
  explicit Arena(size_t n_floats);

  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t bytes() const { return size_ * sizeof(float); }
  void zero();

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data_;
  size_t size_ = 0;
};

// Assigns offsets to named regions, each rounded up to 16 floats (64 bytes) so that
// every region starts on a cache line.
class ArenaLayout {
 public:
  // Returns the offset of the new region.
  size_t add(const std::string& name, size_t n_floats);
  size_t total() const { return total_; }
  struct Region {
    std::string name;
    size_t offset;
    size_t size;
  };
  const std::vector<Region>& regions() const { return regions_; }

 private:
  std::vector<Region> regions_;
  size_t total_ = 0;
};

// "1.23 GiB", "45.6 MiB", "789 B".
std::string format_bytes(double bytes);

}  // namespace llmforge
