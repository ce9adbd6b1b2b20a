// GGUF reading and validation; see gguf_file.h. Every count and length read from the
// file is checked against the bytes left before anything is allocated for it.
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/atomic_file.h"
#include "core/error.h"
#include "gguf/gguf_file.h"

namespace llmforge::gguf {

static_assert(std::endian::native == std::endian::little, "GGUF I/O assumes a little-endian host");

const char* value_type_name(ValueType t) {
  static const char* const kNames[] = {"u8",  "i8",    "u16",   "i16",  "u32", "i32", "f32",
                                       "bool", "string", "array", "u64", "i64", "f64"};
  uint32_t i = uint32_t(t);
  return i < 13 ? kNames[i] : "unknown";
}

bool Value::is_integer() const {
  return type != ValueType::kF32 && type != ValueType::kF64 && type != ValueType::kString &&
         type != ValueType::kArray;
}

size_t Value::array_size() const { return ints.size() + floats.size() + strings.size(); }

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

namespace {

// Thrown when a prefix of the file ended before the header did: read more, retry.
struct NeedMoreBytes {};

// A bounds-checked cursor over the file bytes (or a prefix of them, when `partial`).
class Cursor {
 public:
  Cursor(const std::string& bytes, const std::string& source, uint64_t file_size)
      : b_(bytes), source_(source), partial_(bytes.size() < file_size), file_size_(file_size) {}

  uint64_t pos() const { return pos_; }
  uint64_t left() const { return b_.size() - pos_; }
  // Bytes after the cursor in the whole file (the bound for counts and lengths).
  uint64_t file_left() const { return file_size_ - pos_; }

  // `what` names the field in the error ("tensor 3 name", "key 'general.name' value").
  void need(uint64_t n, const std::string& what) const {
    if (n > left() && partial_) throw NeedMoreBytes{};
    if (n > left()) {
      ErrorBuilder("gguf") << source_ << ": truncated at offset " << pos_ << " reading " << what
                           << " (" << n << " bytes needed, " << left() << " left)";
    }
  }
  template <typename T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string read_string(const std::string& what) {
    const uint64_t at = pos_;
    uint64_t n = read<uint64_t>(what + " length");
    if (n > file_left()) {
      ErrorBuilder("gguf") << source_ << ": " << what << " at offset " << at << " has length " << n
                           << " but only " << file_left() << " bytes follow";
    }
    if (n > left()) throw NeedMoreBytes{};  // only possible for a prefix
    std::string s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  [[noreturn]] void fail(uint64_t at, const std::string& msg) const {
    ErrorBuilder("gguf") << source_ << ": " << msg << " (offset " << at << ")";
  }

 private:
  const std::string& b_;
  const std::string& source_;
  bool partial_;
  uint64_t file_size_;
  uint64_t pos_ = 0;
};

size_t scalar_size(ValueType t) {
  switch (t) {
    case ValueType::kU8: case ValueType::kI8: case ValueType::kBool: return 1;
    case ValueType::kU16: case ValueType::kI16: return 2;
    case ValueType::kU32: case ValueType::kI32: case ValueType::kF32: return 4;
    case ValueType::kU64: case ValueType::kI64: case ValueType::kF64: return 8;
    default: return 0;
  }
}

int64_t read_int(Cursor& c, ValueType t, const std::string& what) {
  switch (t) {
    case ValueType::kU8: return c.read<uint8_t>(what);
    case ValueType::kI8: return c.read<int8_t>(what);
    case ValueType::kBool: {
      const uint64_t at = c.pos();
      uint8_t v = c.read<uint8_t>(what);
      if (v > 1) c.fail(at, what + " is a bool of value " + std::to_string(v));
      return v;
    }
    case ValueType::kU16: return c.read<uint16_t>(what);
    case ValueType::kI16: return c.read<int16_t>(what);
    case ValueType::kU32: return c.read<uint32_t>(what);
    case ValueType::kI32: return c.read<int32_t>(what);
    case ValueType::kU64: return int64_t(c.read<uint64_t>(what));
    case ValueType::kI64: return c.read<int64_t>(what);
    default: return 0;
  }
}

ValueType read_type(Cursor& c, const std::string& what) {
  const uint64_t at = c.pos();
  uint32_t t = c.read<uint32_t>(what);
  if (t > uint32_t(ValueType::kF64)) c.fail(at, what + " has unknown value type " + std::to_string(t));
  return ValueType(t);
}

void read_value(Cursor& c, ValueType type, Value* v, const std::string& what, int depth) {
  v->type = type;
  switch (type) {
    case ValueType::kF32: v->float_value = c.read<float>(what); return;
    case ValueType::kF64: v->float_value = c.read<double>(what); return;
    case ValueType::kString: v->string_value = c.read_string(what); return;
    case ValueType::kArray: {
      v->array_type = read_type(c, what + " element type");
      const uint64_t at = c.pos();
      const uint64_t n = c.read<uint64_t>(what + " element count");
      // Each element takes at least one byte (strings 8): refuse counts the file cannot hold.
      const uint64_t min_size = v->array_type == ValueType::kString ? 8
                                : v->array_type == ValueType::kArray ? 12
                                                                     : scalar_size(v->array_type);
      if (n > c.file_left() / min_size) {
        c.fail(at, what + " claims " + std::to_string(n) + " elements but only " +
                       std::to_string(c.file_left()) + " bytes follow");
      }
      if (v->array_type == ValueType::kArray) {
        if (depth > 2) c.fail(at, what + " nests arrays too deeply");
        Value inner;  // arrays of arrays: validated, then dropped (no key we read uses them)
        for (uint64_t i = 0; i < n; ++i) read_value(c, ValueType::kArray, &inner, what, depth + 1);
      } else if (v->array_type == ValueType::kString) {
        v->strings.reserve(n);
        for (uint64_t i = 0; i < n; ++i)
          v->strings.push_back(c.read_string(what + "[" + std::to_string(i) + "]"));
      } else if (v->array_type == ValueType::kF32 || v->array_type == ValueType::kF64) {
        v->floats.reserve(n);
        for (uint64_t i = 0; i < n; ++i) {
          v->floats.push_back(v->array_type == ValueType::kF32 ? c.read<float>(what)
                                                                : c.read<double>(what));
        }
      } else {
        v->ints.reserve(n);
        for (uint64_t i = 0; i < n; ++i) v->ints.push_back(read_int(c, v->array_type, what));
      }
      return;
    }
    default: v->int_value = read_int(c, type, what); return;
  }
}

}  // namespace

bool looks_like_gguf(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  if (std::filesystem::path(path).extension() == ".gguf") return true;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::memcmp(magic, "GGUF", 4) == 0;
}

File File::load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) ErrorBuilder("gguf") << path << ": no such file";
  return parse(read_file(path), path);
}

File File::load_metadata(const std::string& path) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) ErrorBuilder("gguf") << path << ": cannot read (" << ec.message() << ")";
  std::ifstream in(path, std::ios::binary);
  std::string prefix;
  for (uint64_t want = std::min<uint64_t>(size, 4u << 20);; want = std::min(size, want * 4)) {
    const uint64_t have = prefix.size();
    prefix.resize(want);
    in.read(prefix.data() + have, std::streamsize(want - have));
    if (uint64_t(in.gcount()) != want - have) ErrorBuilder("gguf") << path << ": read error at offset " << have;
    try {
      return parse_prefix(prefix, path, size);
    } catch (const NeedMoreBytes&) {
      LLMF_CHECK(want < size) << "the whole file cannot be a prefix";
    }
  }
}

File File::parse(std::string bytes, const std::string& source) {
  const uint64_t size = bytes.size();
  return parse_prefix(std::move(bytes), source, size);
}

File File::parse_prefix(std::string bytes, const std::string& source, uint64_t file_size) {
  File f;
  f.source_ = source;
  f.bytes_ = std::move(bytes);
  Cursor c(f.bytes_, f.source_, file_size);
  c.need(4, "the magic");
  if (std::memcmp(f.bytes_.data(), "GGUF", 4) != 0) c.fail(0, "not a GGUF file (magic is not \"GGUF\")");
  c.read<uint32_t>("magic");
  f.version_ = c.read<uint32_t>("version");
  if (f.version_ != 2 && f.version_ != 3) {
    c.fail(4, "GGUF version " + std::to_string(f.version_) + " is not supported (want 2 or 3)");
  }
  const uint64_t n_tensors = c.read<uint64_t>("tensor count");
  const uint64_t n_kv = c.read<uint64_t>("metadata count");
  // A key-value pair takes at least 8 + 4 + 1 bytes, a tensor info 8 + 4 + 8 + 4 + 8.
  if (n_kv > c.file_left() / 13) c.fail(16, "metadata count " + std::to_string(n_kv) + " exceeds what the file can hold");
  if (n_tensors > c.file_left() / 32) c.fail(8, "tensor count " + std::to_string(n_tensors) + " exceeds what the file can hold");

  for (uint64_t i = 0; i < n_kv; ++i) {
    const uint64_t at = c.pos();
    std::string key = c.read_string("metadata key " + std::to_string(i));
    const std::string what = "value of key '" + key + "'";
    ValueType type = read_type(c, what + " type");
    Value v;
    read_value(c, type, &v, what, 0);
    if (!f.kv_.emplace(key, std::move(v)).second) c.fail(at, "duplicate metadata key '" + key + "'");
  }

  uint64_t alignment = 32;
  if (const Value* a = f.find("general.alignment")) {
    if (a->type != ValueType::kU32 || a->int_value == 0 || (a->int_value & (a->int_value - 1)))
      c.fail(0, "general.alignment must be a u32 power of two");
    alignment = uint64_t(a->int_value);
  }

  std::vector<uint64_t> rel_offsets;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    const uint64_t at = c.pos();
    TensorInfo t;
    t.name = c.read_string("tensor " + std::to_string(i) + " name");
    const std::string what = "tensor '" + t.name + "'";
    const uint32_t n_dims = c.read<uint32_t>(what + " dimension count");
    if (n_dims == 0 || n_dims > 4) c.fail(at, what + " has " + std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
    std::vector<int64_t> ne(n_dims);
    uint64_t numel = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t dim_at = c.pos();
      uint64_t v = c.read<uint64_t>(what + " dimension " + std::to_string(d));
      if (v == 0 || v > (uint64_t(1) << 40) || numel > (uint64_t(1) << 42) / v)
        c.fail(dim_at, what + " dimension " + std::to_string(d) + " = " + std::to_string(v) + " is out of range");
      numel *= v;
      ne[d] = int64_t(v);
    }
    t.shape.assign(ne.rbegin(), ne.rend());
    const uint64_t type_at = c.pos();
    const uint32_t type_id = c.read<uint32_t>(what + " type");
    auto type = tensor_type_from_id(type_id);
    if (!type) {
      c.fail(type_at, what + " has type " + ggml_type_name(type_id) +
                          ", which llmforge does not read (F32, F16, BF16, Q8_0 only)");
    }
    t.type = *type;
    if (t.type == TensorType::kQ8_0 && ne[0] % kQ8Block != 0)
      c.fail(at, what + " is Q8_0 with rows of " + std::to_string(ne[0]) + " values (not a multiple of 32)");
    t.bytes = row_bytes(t.type, uint64_t(ne[0])) * (numel / uint64_t(ne[0]));
    const uint64_t off_at = c.pos();
    const uint64_t off = c.read<uint64_t>(what + " data offset");
    if (off % alignment != 0) c.fail(off_at, what + " data offset " + std::to_string(off) + " is not aligned to " + std::to_string(alignment));
    rel_offsets.push_back(off);
    if (f.tensor_index_.count(t.name)) c.fail(at, "duplicate tensor name '" + t.name + "'");
    f.tensor_index_[t.name] = f.tensors_.size();
    f.tensors_.push_back(std::move(t));
  }
  const uint64_t data_start = (c.pos() + alignment - 1) / alignment * alignment;
  const uint64_t size = file_size;
  if (n_tensors > 0 && data_start > size) {
    c.fail(c.pos(), "truncated: tensor data would start at offset " + std::to_string(data_start) +
                        " past the end of the file (" + std::to_string(size) + " bytes)");
  }
  for (size_t i = 0; i < f.tensors_.size(); ++i) {
    TensorInfo& t = f.tensors_[i];
    // No overflow: data_start and rel_offsets[i] are at most the size, bytes below 2^45.
    if (rel_offsets[i] > size || data_start + rel_offsets[i] + t.bytes > size) {
      ErrorBuilder("gguf") << source << ": tensor '" << t.name << "' data [" << data_start + rel_offsets[i]
                           << ", " << data_start + rel_offsets[i] + t.bytes
                           << ") runs past the end of the file (" << size << " bytes): truncated?";
    }
    t.offset = data_start + rel_offsets[i];
  }
  return f;
}

const Value* File::find(const std::string& key) const {
  auto it = kv_.find(key);
  return it == kv_.end() ? nullptr : &it->second;
}

namespace {
const Value& need_key(const File& f, const std::string& key) {
  const Value* v = f.find(key);
  if (!v) ErrorBuilder("gguf") << f.source() << ": metadata key '" << key << "' is missing";
  return *v;
}
[[noreturn]] void wrong_type(const File& f, const std::string& key, const Value& v, const char* want) {
  ErrorBuilder("gguf") << f.source() << ": metadata key '" << key << "' is " << value_type_name(v.type)
                       << (v.type == ValueType::kArray ? std::string(" of ") + value_type_name(v.array_type) : "")
                       << ", expected " << want;
}
}  // namespace

int64_t File::get_int(const std::string& key, int64_t min, int64_t max) const {
  const Value& v = need_key(*this, key);
  if (!v.is_integer()) wrong_type(*this, key, v, "an integer");
  if (v.int_value < min || v.int_value > max) {
    ErrorBuilder("gguf") << source_ << ": metadata key '" << key << "' = " << v.int_value
                         << " is out of range [" << min << ", " << max << "]";
  }
  return v.int_value;
}

double File::get_float(const std::string& key) const {
  const Value& v = need_key(*this, key);
  if (v.type != ValueType::kF32 && v.type != ValueType::kF64) wrong_type(*this, key, v, "f32");
  return v.float_value;
}

bool File::get_bool(const std::string& key) const {
  const Value& v = need_key(*this, key);
  if (v.type != ValueType::kBool) wrong_type(*this, key, v, "bool");
  return v.int_value != 0;
}

const std::string& File::get_string(const std::string& key) const {
  const Value& v = need_key(*this, key);
  if (v.type != ValueType::kString) wrong_type(*this, key, v, "string");
  return v.string_value;
}

const std::vector<std::string>& File::get_strings(const std::string& key) const {
  const Value& v = need_key(*this, key);
  if (v.type != ValueType::kArray || v.array_type != ValueType::kString)
    wrong_type(*this, key, v, "array of string");
  return v.strings;
}

const std::vector<int64_t>& File::get_ints(const std::string& key) const {
  const Value& v = need_key(*this, key);
  const bool int_elements = v.array_type != ValueType::kF32 && v.array_type != ValueType::kF64 &&
                            v.array_type != ValueType::kString && v.array_type != ValueType::kArray;
  if (v.type != ValueType::kArray || !int_elements)
    wrong_type(*this, key, v, "array of integers");
  return v.ints;
}

const TensorInfo* File::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

void File::read_f32(const TensorInfo& t, float* out) const {
  LLMF_CHECK(t.offset + t.bytes <= bytes_.size()) << source_ << ": tensor data not loaded (load_metadata)";
  const int64_t row = t.shape.back();
  const int64_t rows = t.numel() / row;
  const uint64_t rb = row_bytes(t.type, uint64_t(row));
  const uint8_t* base = reinterpret_cast<const uint8_t*>(bytes_.data()) + t.offset;
  for (int64_t r = 0; r < rows; ++r) decode_row(t.type, base + uint64_t(r) * rb, size_t(row), out + r * row);
}

}  // namespace llmforge::gguf
