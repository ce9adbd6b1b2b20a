#include "model/safetensors.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "kernels/precision.h"

namespace llmforge {
namespace {

constexpr const char* kCrcPrefix = "llmforge.crc32.";
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

std::string hex32(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

size_t dtype_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" ||
      dtype == "F8_E5M2")
    return 1;
  return 0;
}

float fp16_to_fp32(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace

uint32_t crc32_of(const void* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const Bytef* p = static_cast<const Bytef*>(data);
  while (n > 0) {
    uInt chunk = uInt(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return uint32_t(crc);
}

void save_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header;
  nlohmann::ordered_json meta = nlohmann::ordered_json::object();
  meta["format"] = "pt";
  for (const auto& [k, v] : metadata) meta[k] = v;
  size_t offset = 0;
  for (const auto& t : tensors) {
    size_t numel = 1;
    for (int64_t d : t.shape) numel *= size_t(d);
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + numel * 4}}};
    meta[kCrcPrefix + t.name] = hex32(crc32_of(t.data, numel * 4));
    offset += numel * 4;
  }
  header["__metadata__"] = meta;
  std::string text = header.dump();
  // Pad the header with spaces so the data starts 8-byte aligned, as the spec advises.
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');
  uint64_t n = text.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = (n >> (8 * i)) & 0xff;
  AtomicFileWriter out(path);
  out.write(len, 8);
  out.write(text);
  for (const auto& t : tensors) {
    size_t numel = 1;
    for (int64_t d : t.shape) numel *= size_t(d);
    out.write(t.data, numel * 4);
  }
  out.commit();
}

SafetensorsFile SafetensorsFile::load(const std::string& path) {
  SafetensorsFile f;
  f.path_ = path;
  f.bytes_ = read_file(path);
  const std::string& b = f.bytes_;
  if (b.size() < 8) ErrorBuilder("safetensors") << path << ": truncated (" << b.size() << " bytes)";
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(uint8_t(b[i])) << (8 * i);
  if (n > kMaxHeaderBytes || n > b.size() - 8) {
    ErrorBuilder("safetensors") << path << ": header length " << n << " exceeds the file ("
                                << b.size() << " bytes): truncated or not a safetensors file";
  }
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(b.begin() + 8, b.begin() + 8 + n);
  } catch (const std::exception& e) {
    ErrorBuilder("safetensors") << path << ": corrupted header: " << e.what();
  }
  if (!header.is_object()) ErrorBuilder("safetensors") << path << ": header is not a JSON object";
  f.data_start_ = 8 + n;
  const size_t data_size = b.size() - f.data_start_;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) ErrorBuilder("safetensors") << path << ": __metadata__ is not an object";
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) ErrorBuilder("safetensors") << path << ": metadata " << m.key() << " is not a string";
        f.metadata_[m.key()] = m->get<std::string>();
      }
      continue;
    }
    const std::string& name = it.key();
    const auto& e = *it;
    auto bad = [&](const std::string& why) {
      ErrorBuilder("safetensors") << path << ": tensor " << name << ": " << why;
    };
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") ||
        !e.contains("data_offsets"))
      bad("entry needs dtype, shape and data_offsets");
    if (!e["dtype"].is_string()) bad("dtype is not a string");
    Tensor t;
    t.dtype = e["dtype"].get<std::string>();
    size_t elem = dtype_size(t.dtype);
    if (elem == 0) bad("unknown dtype " + t.dtype);
    if (!e["shape"].is_array()) bad("shape is not an array");
    size_t numel = 1;
    for (const auto& d : e["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) bad("shape has a non-integer or negative dimension");
      t.shape.push_back(d.get<int64_t>());
      if (__builtin_mul_overflow(numel, size_t(d.get<int64_t>()), &numel)) bad("shape is too large");
    }
    if (__builtin_mul_overflow(numel, elem, &numel)) bad("shape is too large");
    numel /= elem;
    const auto& off = e["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned())
      bad("data_offsets must be two non-negative integers");
    t.begin = off[0].get<size_t>();
    t.end = off[1].get<size_t>();
    if (t.end < t.begin || t.end > data_size) {
      bad("data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
          "] exceed the data section (" + std::to_string(data_size) + " bytes): file truncated?");
    }
    if (t.end - t.begin != numel * elem) bad("byte size does not match shape and dtype");
    f.tensors_[name] = std::move(t);
  }
  // The byte ranges must tile the data section: sorted by start, each begins where
  // the previous ended. Comparing only the total would let two tensors share bytes
  // while an equal-sized hole is left elsewhere.
  std::vector<std::pair<size_t, const std::string*>> order;
  for (const auto& [name, t] : f.tensors_)
    if (t.end > t.begin) order.push_back({t.begin, &name});
  std::sort(order.begin(), order.end());
  size_t at = 0;
  const std::string* prev = nullptr;
  for (const auto& [begin, name] : order) {
    const Tensor& t = f.tensors_.at(*name);
    if (begin < at) {
      ErrorBuilder("safetensors") << path << ": tensors " << *prev << " and " << *name
                                  << " overlap (bytes " << begin << " to " << at << ")";
    }
    if (begin > at) {
      ErrorBuilder("safetensors") << path << ": data bytes " << at << " to " << begin
                                  << " belong to no tensor (before " << *name << ")";
    }
    at = t.end;
    prev = name;
  }
  if (at != data_size) {
    ErrorBuilder("safetensors") << path << ": tensors cover " << at << " of " << data_size
                                << " data bytes (trailing garbage)";
  }
  for (const auto& [name, t] : f.tensors_) {
    auto crc = f.metadata_.find(kCrcPrefix + name);
    if (crc == f.metadata_.end()) continue;
    std::string actual = hex32(crc32_of(b.data() + f.data_start_ + t.begin, t.end - t.begin));
    if (actual != crc->second) {
      ErrorBuilder("safetensors") << path << ": tensor " << name << " fails its checksum (stored "
                                  << crc->second << ", computed " << actual << "): file corrupted";
    }
  }
  return f;
}

void SafetensorsFile::read_f32(const std::string& name, float* out, size_t numel) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) ErrorBuilder("safetensors") << path_ << ": no tensor named " << name;
  const Tensor& t = it->second;
  const char* src = bytes_.data() + data_start_ + t.begin;
  size_t elem = dtype_size(t.dtype);
  if ((t.end - t.begin) / elem != numel) {
    ErrorBuilder("safetensors") << path_ << ": tensor " << name << " has "
                                << (t.end - t.begin) / elem << " elements, expected " << numel;
  }
  if (t.dtype == "F32") {
    std::memcpy(out, src, numel * 4);
  } else if (t.dtype == "BF16" || t.dtype == "F16") {
    bool bf16 = t.dtype == "BF16";
    for (size_t i = 0; i < numel; ++i) {
      uint16_t h;
      std::memcpy(&h, src + 2 * i, 2);
      out[i] = bf16 ? bf16_to_fp32(h) : fp16_to_fp32(h);
    }
  } else {
    ErrorBuilder("safetensors") << path_ << ": tensor " << name << " has dtype " << t.dtype
                                << " (supported: F32, BF16, F16)";
  }
}

}  // namespace llmforge
