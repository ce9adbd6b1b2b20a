// GGUF writing; see gguf_file.h. The header is built in memory (its size fixes where
// the data starts), then tensors are converted row block by row block straight into
// the atomic file, so memory stays bounded by one block whatever the model size.
#include <algorithm>
#include <cstring>
#include <memory>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "gguf/gguf_file.h"

namespace llmforge::gguf {
namespace {

constexpr uint64_t kAlignment = 32;  // GGUF's default; we do not write general.alignment

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}
void put_string(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

void put_value(std::string& out, const Value& v) {
  switch (v.type) {
    case ValueType::kU32: put<uint32_t>(out, uint32_t(v.int_value)); break;
    case ValueType::kI32: put<int32_t>(out, int32_t(v.int_value)); break;
    case ValueType::kBool: put<uint8_t>(out, v.int_value ? 1 : 0); break;
    case ValueType::kF32: put<float>(out, float(v.float_value)); break;
    case ValueType::kString: put_string(out, v.string_value); break;
    case ValueType::kArray:
      put<uint32_t>(out, uint32_t(v.array_type));
      if (v.array_type == ValueType::kString) {
        put<uint64_t>(out, v.strings.size());
        for (const auto& s : v.strings) put_string(out, s);
      } else {  // kI32, the only other element type we write
        put<uint64_t>(out, v.ints.size());
        for (int64_t x : v.ints) put<int32_t>(out, int32_t(x));
      }
      break;
    default: LLMF_CHECK(false) << "writer has no encoding for " << value_type_name(v.type);
  }
}

}  // namespace

void Writer::set(const std::string& key, Value v) {
  for (auto& kv : kv_) {
    if (kv.first == key) {
      kv.second = std::move(v);
      return;
    }
  }
  kv_.emplace_back(key, std::move(v));
}

void Writer::set_u32(const std::string& key, uint32_t v) {
  Value val;
  val.type = ValueType::kU32;
  val.int_value = v;
  set(key, std::move(val));
}

void Writer::set_i32(const std::string& key, int32_t v) {
  Value val;
  val.type = ValueType::kI32;
  val.int_value = v;
  set(key, std::move(val));
}

void Writer::set_f32(const std::string& key, float v) {
  Value val;
  val.type = ValueType::kF32;
  val.float_value = v;
  set(key, std::move(val));
}

void Writer::set_bool(const std::string& key, bool v) {
  Value val;
  val.type = ValueType::kBool;
  val.int_value = v ? 1 : 0;
  set(key, std::move(val));
}

void Writer::set_string(const std::string& key, std::string v) {
  Value val;
  val.type = ValueType::kString;
  val.string_value = std::move(v);
  set(key, std::move(val));
}

void Writer::set_strings(const std::string& key, std::vector<std::string> v) {
  Value val;
  val.type = ValueType::kArray;
  val.array_type = ValueType::kString;
  val.strings = std::move(v);
  set(key, std::move(val));
}

void Writer::set_i32s(const std::string& key, const std::vector<int32_t>& v) {
  Value val;
  val.type = ValueType::kArray;
  val.array_type = ValueType::kI32;
  val.ints.assign(v.begin(), v.end());
  set(key, std::move(val));
}

void Writer::add_tensor(std::string name, std::vector<int64_t> shape, TensorType type,
                        const float* data) {
  LLMF_CHECK(!shape.empty() && shape.size() <= 4) << name << ": 1 to 4 dimensions";
  if (type == TensorType::kQ8_0 && shape.back() % kQ8Block != 0) {
    ErrorBuilder("gguf") << "tensor " << name << ": rows of " << shape.back()
                         << " values cannot be Q8_0 (needs a multiple of 32)";
  }
  tensors_.push_back({std::move(name), std::move(shape), type, data});
}

const float* Writer::keep(std::vector<float> data) {
  kept_.push_back(std::move(data));
  return kept_.back().data();
}

void Writer::write(const std::string& path, bool progress) const {
  std::string header;
  header.append("GGUF", 4);
  put<uint32_t>(header, 3);
  put<uint64_t>(header, tensors_.size());
  put<uint64_t>(header, kv_.size());
  for (const auto& [key, v] : kv_) {
    put_string(header, key);
    put<uint32_t>(header, uint32_t(v.type));
    put_value(header, v);
  }
  uint64_t offset = 0, total = 0;
  std::vector<uint64_t> sizes;
  for (const PendingTensor& t : tensors_) {
    put_string(header, t.name);
    put<uint32_t>(header, uint32_t(t.shape.size()));
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) put<uint64_t>(header, uint64_t(*it));
    put<uint32_t>(header, uint32_t(t.type));
    put<uint64_t>(header, offset);
    int64_t numel = 1;
    for (int64_t d : t.shape) numel *= d;
    const uint64_t bytes = row_bytes(t.type, uint64_t(t.shape.back())) * uint64_t(numel / t.shape.back());
    sizes.push_back(bytes);
    offset += (bytes + kAlignment - 1) / kAlignment * kAlignment;
  }
  total = offset;
  header.resize((header.size() + kAlignment - 1) / kAlignment * kAlignment, '\0');

  AtomicFileWriter out(path);
  out.write(header);
  std::unique_ptr<Progress> bar;
  if (progress) bar = std::make_unique<Progress>("export", int64_t(total >> 20), "MiB", 2.0);
  std::vector<uint8_t> buf;
  const char zeros[kAlignment] = {};
  uint64_t done = 0;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const PendingTensor& t = tensors_[i];
    const int64_t row = t.shape.back();
    const int64_t rows = int64_t(sizes[i] / row_bytes(t.type, uint64_t(row)));
    const uint64_t rb = row_bytes(t.type, uint64_t(row));
    // Blocks of about 4 MiB of output.
    const int64_t block = std::max<int64_t>(1, int64_t((4u << 20) / rb));
    for (int64_t r0 = 0; r0 < rows; r0 += block) {
      const int64_t n = std::min(block, rows - r0);
      buf.resize(size_t(n * rb));
      for (int64_t r = 0; r < n; ++r)
        encode_row(t.type, t.data + (r0 + r) * row, size_t(row), buf.data() + r * rb);
      out.write(buf.data(), buf.size());
      done += buf.size();
      if (bar) bar->update(int64_t(done >> 20), t.name);
    }
    const uint64_t pad = (kAlignment - sizes[i] % kAlignment) % kAlignment;
    out.write(zeros, pad);
    done += pad;
  }
  out.commit();
  if (bar) bar->finish(path);
}

}  // namespace llmforge::gguf
