// The GGUF container (llama.cpp's model file), version 3, little-endian:
//   "GGUF" u32 version, u64 tensor_count, u64 kv_count
//   kv_count x (string key, u32 value type, value)        strings: u64 length + bytes
//   tensor_count x (string name, u32 n_dims, u64 dims[n_dims], u32 ggml type, u64 offset)
//   padding to the alignment (general.alignment, default 32), then tensor data, each
//   tensor at `offset` from the data start, offsets aligned.
// Dimensions are listed innermost first (ggml's ne[0] is the row length); here shapes
// are kept outermost first, as PyTorch and safetensors write them.
//
// Reading checks everything against the file size before trusting it, so a truncated
// or damaged file is refused with an Error("gguf") naming the byte offset and the
// field (or key, or tensor), never read out of bounds.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gguf/gguf_types.h"

namespace llmforge::gguf {

enum class ValueType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
const char* value_type_name(ValueType t);

// One metadata value. Scalars use the field of their kind; arrays keep their element
// type and fill one of the vectors (arrays of arrays are kept as an empty array).
struct Value {
  ValueType type = ValueType::kU32;
  ValueType array_type = ValueType::kU32;
  int64_t int_value = 0;  // every integer type and bool (u64 above 2^63 wraps)
  double float_value = 0.0;
  std::string string_value;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;

  bool is_integer() const;
  size_t array_size() const;
};

struct TensorInfo {
  std::string name;
  std::vector<int64_t> shape;  // outermost first
  TensorType type = TensorType::kF32;
  uint64_t offset = 0;  // absolute, in the file
  uint64_t bytes = 0;
  int64_t numel() const;
};

// True for an existing regular file named *.gguf or starting with the magic "GGUF"
// (a damaged *.gguf file counts, so that reading it says what is wrong).
bool looks_like_gguf(const std::string& path);

class File {
 public:
  // Reads and validates a whole file (or bytes already in memory; `source` names it in
  // errors). Tensors of types other than F32/F16/BF16/Q8_0 are refused by name.
  static File load(const std::string& path);
  static File parse(std::string bytes, const std::string& source);
  // Metadata and tensor table only, reading no more of the file than they take (the
  // tokenizer needs no weights); read_f32() is not available on the result.
  static File load_metadata(const std::string& path);

  uint32_t version() const { return version_; }
  const std::string& source() const { return source_; }
  const std::map<std::string, Value>& metadata() const { return kv_; }
  const Value* find(const std::string& key) const;
  // Typed getters: throw Error("gguf") naming the key when it is missing, of another
  // type, or out of range. Integer getters accept any integer type.
  int64_t get_int(const std::string& key, int64_t min, int64_t max) const;
  double get_float(const std::string& key) const;  // F32 or F64
  bool get_bool(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  const std::vector<std::string>& get_strings(const std::string& key) const;
  const std::vector<int64_t>& get_ints(const std::string& key) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(const std::string& name) const;
  // Converts a tensor to fp32 (numel floats).
  void read_f32(const TensorInfo& t, float* out) const;

 private:
  // `bytes` may be a prefix of a file of `file_size` bytes (load_metadata).
  static File parse_prefix(std::string bytes, const std::string& source, uint64_t file_size);

  std::string source_;
  std::string bytes_;
  uint32_t version_ = 0;
  std::map<std::string, Value> kv_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> tensor_index_;
};

// Collects metadata and tensors, then writes the file atomically. Keys are written in
// the order first set; setting a key again replaces its value.
class Writer {
 public:
  void set_u32(const std::string& key, uint32_t v);
  void set_i32(const std::string& key, int32_t v);
  void set_f32(const std::string& key, float v);
  void set_bool(const std::string& key, bool v);
  void set_string(const std::string& key, std::string v);
  void set_strings(const std::string& key, std::vector<std::string> v);
  void set_i32s(const std::string& key, const std::vector<int32_t>& v);

  // `data` (numel fp32 values, row-major, outermost first) must stay valid until
  // write(); keep() gives such storage for data made on the fly.
  void add_tensor(std::string name, std::vector<int64_t> shape, TensorType type,
                  const float* data);
  const float* keep(std::vector<float> data);

  // Writes `path` atomically (temporary file + rename); shows a progress line on stderr
  // when `progress` is set (worth it for files of hundreds of megabytes).
  void write(const std::string& path, bool progress = false) const;

 private:
  void set(const std::string& key, Value v);
  struct PendingTensor {
    std::string name;
    std::vector<int64_t> shape;
    TensorType type;
    const float* data;
  };
  std::vector<std::pair<std::string, Value>> kv_;
  std::vector<PendingTensor> tensors_;
  std::list<std::vector<float>> kept_;
};

}  // namespace llmforge::gguf
