// The safetensors format (Hugging Face): an 8-byte little-endian header length, a
// JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
// {string: string}}, then the tensor bytes. We read F32, BF16 and F16 tensors
// (converting to fp32) and write F32.
//
// Integrity: the format has no checksum, so we add one per tensor to the metadata
// ("llmforge.crc32.<name>", CRC-32 of its bytes). Files we wrote are verified on
// load, so a flipped byte anywhere is caught and the damaged tensor named; files
// from elsewhere (no checksums) are checked for structure only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmforge {

// CRC-32 (zlib) of n bytes, any size (zlib takes 32-bit lengths; this chunks).
uint32_t crc32_of(const void* data, size_t n);

struct TensorToWrite {
  std::string name;
  std::vector<int64_t> shape;
  const float* data;
};

// Atomically writes `path` (temporary file, fsync, rename).
void save_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

class SafetensorsFile {
 public:
  struct Tensor {
    std::string dtype;  // "F32", "BF16", "F16", ...
    std::vector<int64_t> shape;
    size_t begin = 0, end = 0;  // byte range within the data section
  };

  // Reads and validates the whole file. Throws Error("safetensors") naming the file
  // (and the tensor) when it is truncated, malformed or fails its checksum.
  static SafetensorsFile load(const std::string& path);

  const std::map<std::string, Tensor>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool has(const std::string& name) const { return tensors_.count(name) > 0; }
  // Converts the tensor to fp32 into out (numel floats). Throws when absent or of an
  // unsupported dtype.
  void read_f32(const std::string& name, float* out, size_t numel) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string bytes_;  // the whole file
  size_t data_start_ = 0;
  std::map<std::string, Tensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace llmforge
