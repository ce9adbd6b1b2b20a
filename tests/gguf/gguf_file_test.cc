// The GGUF container: values and tensors survive a write and a read, the number
// formats match their definitions, and damaged files are refused with an error that
// names the offset or field (never a crash or an out-of-bounds read).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "../test_util.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/rng.h"
#include "gguf/gguf_file.h"

namespace llmforge::gguf {
namespace {

std::string temp_path(const std::string& name) {
  std::string dir = std::string(LLMFORGE_BINARY_DIR) + "/test_tmp";
  std::filesystem::create_directories(dir);
  return dir + "/" + name;
}

TEST(GgufTypes, HalfConversionIsExactOnEveryHalf) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = fp16_to_fp32(uint16_t(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(fp16_to_fp32(fp32_to_fp16(f))));
      continue;
    }
    ASSERT_EQ(fp32_to_fp16(f), h) << h;
  }
  EXPECT_EQ(fp16_to_fp32(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0x7bff), 65504.0f);
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(fp32_to_fp16(65519.0f), 0x7bff);  // rounds down to the largest half
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);  // ties to even: infinity
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie to even
  EXPECT_EQ(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
}

TEST(GgufTypes, HalfRoundsToNearest) {
  Rng rng(3);
  for (int i = 0; i < 100000; ++i) {
    const float f = float(rng.normal()) * std::ldexp(1.0f, int(rng.uniform() * 40) - 26);
    const float back = fp16_to_fp32(fp32_to_fp16(f));
    // No half lies strictly closer to f than the one chosen.
    const uint16_t h = fp32_to_fp16(f);
    for (int d : {-1, 1}) {
      const uint16_t n = uint16_t(h + d);
      if ((n & 0x7c00) == 0x7c00) continue;
      ASSERT_LE(std::fabs(back - f), std::fabs(fp16_to_fp32(n) - f)) << f;
    }
  }
}

TEST(GgufTypes, Q8RoundTripWithinHalfAStep) {
  Rng rng(5);
  std::vector<float> x(256);
  for (auto& v : x) v = float(rng.normal());
  x[7] = 0.0f;
  std::vector<uint8_t> q(row_bytes(TensorType::kQ8_0, x.size()));
  ASSERT_EQ(q.size(), 8u * 34u);
  encode_row(TensorType::kQ8_0, x.data(), x.size(), q.data());
  std::vector<float> y(x.size());
  decode_row(TensorType::kQ8_0, q.data(), x.size(), y.data());
  for (size_t b = 0; b < 8; ++b) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
    const float step = amax / 127.0f;
    for (int j = 0; j < 32; ++j) EXPECT_LE(std::fabs(y[b * 32 + j] - x[b * 32 + j]), 0.51f * step + 1e-3f * step);
  }
  std::vector<float> zeros(32, 0.0f), back(32, 1.0f);
  encode_row(TensorType::kQ8_0, zeros.data(), 32, q.data());
  decode_row(TensorType::kQ8_0, q.data(), 32, back.data());
  EXPECT_EQ(back, zeros);
}

// A small file with every value type we write and one tensor of each type.
std::string sample_file(std::vector<float>* data) {
  Writer w;
  w.set_string("general.architecture", "test");
  w.set_u32("a.u32", 4000000000u);
  w.set_i32("a.i32", -7);
  w.set_f32("a.f32", 0.25f);
  w.set_bool("a.bool", true);
  w.set_strings("a.strings", {"x", "", "héllo"});
  w.set_i32s("a.ints", {1, -2, 3});
  data->resize(64 * 3);
  for (size_t i = 0; i < data->size(); ++i) (*data)[i] = float(i % 17) * 0.125f - 1.0f;
  w.add_tensor("t.f32", {3, 64}, TensorType::kF32, data->data());
  w.add_tensor("t.f16", {3, 64}, TensorType::kF16, data->data());
  w.add_tensor("t.bf16", {2, 64}, TensorType::kBF16, data->data());
  w.add_tensor("t.q8", {3, 64}, TensorType::kQ8_0, data->data());
  w.add_tensor("t.vec", {5}, TensorType::kF32, data->data());
  // Four tests write it, in parallel processes under ctest: a file of each test's own.
  const std::string dir = testing::test_temp_dir("gguf_sample");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/sample.gguf";
  w.write(path);
  return read_file(path);
}

TEST(GgufFile, WriteThenReadKeepsEverything) {
  std::vector<float> data;
  const std::string bytes = sample_file(&data);
  EXPECT_EQ(bytes.substr(0, 4), "GGUF");
  File f = File::parse(bytes, "sample");
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.get_string("general.architecture"), "test");
  EXPECT_EQ(f.get_int("a.u32", 0, int64_t(1) << 40), 4000000000);
  EXPECT_EQ(f.get_int("a.i32", -10, 0), -7);
  EXPECT_EQ(f.get_float("a.f32"), 0.25);
  EXPECT_TRUE(f.get_bool("a.bool"));
  EXPECT_EQ(f.get_strings("a.strings"), (std::vector<std::string>{"x", "", "héllo"}));
  EXPECT_EQ(f.get_ints("a.ints"), (std::vector<int64_t>{1, -2, 3}));
  ASSERT_EQ(f.tensors().size(), 5u);
  for (const TensorInfo& t : f.tensors()) {
    EXPECT_EQ(t.offset % 32, 0u) << t.name;
    std::vector<float> out(size_t(t.numel()));
    f.read_f32(t, out.data());
    for (size_t i = 0; i < out.size(); ++i) {
      // The sample values are exact in f16, bf16 and (max 1.0, step 1/127) nearly so in Q8_0.
      const float tol = t.type == TensorType::kQ8_0 ? 0.5f / 127.0f + 1e-6f : 0.0f;
      ASSERT_NEAR(out[i], data[i], tol) << t.name << " " << i;
    }
  }
  EXPECT_EQ(f.find_tensor("t.f32")->shape, (std::vector<int64_t>{3, 64}));
  EXPECT_EQ(f.find_tensor("t.q8")->bytes, 3u * 2u * 34u);
}

TEST(GgufFile, TypedGettersNameTheKey) {
  std::vector<float> data;
  File f = File::parse(sample_file(&data), "sample");
  auto message = [&](auto fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] { f.get_string("a.u32"); }).find("'a.u32' is u32, expected string"), std::string::npos);
  EXPECT_NE(message([&] { f.get_int("missing.key", 0, 1); }).find("'missing.key' is missing"), std::string::npos);
  EXPECT_NE(message([&] { f.get_int("a.i32", 0, 10); }).find("out of range"), std::string::npos);
}

TEST(GgufFile, UnsupportedTensorTypeIsNamed) {
  std::vector<float> data;
  std::string bytes = sample_file(&data);
  // Patch t.vec's type id (F32 = 0) to Q4_K (12): the u32 after its one dimension.
  const std::string name = "t.vec";
  size_t at = bytes.find(name);
  ASSERT_NE(at, std::string::npos);
  at += name.size() + 4 + 8;
  uint32_t q4k = 12;
  std::memcpy(&bytes[at], &q4k, 4);
  try {
    File::parse(bytes, "patched");
    FAIL() << "parsed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 't.vec' has type Q4_K"), std::string::npos) << e.what();
  }
}

// Metadata larger than the first read (4 MiB) and weights after it: load_metadata()
// reads on until the header is complete and sees the same keys and tensors.
TEST(GgufFile, LoadMetadataReadsOnlyTheHeader) {
  Writer w;
  std::vector<std::string> tokens;
  for (int i = 0; i < 300000; ++i) tokens.push_back("token number " + std::to_string(i));
  w.set_strings("tokenizer.ggml.tokens", tokens);
  std::vector<float> weights(3 << 20, 0.5f);  // 12 MiB
  w.add_tensor("w", {3, 1 << 20}, TensorType::kF32, weights.data());
  const std::string path = temp_path("gguf_big.gguf");
  w.write(path);
  File meta = File::load_metadata(path);
  EXPECT_EQ(meta.get_strings("tokenizer.ggml.tokens"), tokens);
  ASSERT_EQ(meta.tensors().size(), 1u);
  EXPECT_EQ(meta.tensors()[0].offset, File::load(path).tensors()[0].offset);
  // Cut inside the tensor data: the header alone cannot tell, the table can.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 100);
  try {
    File::load_metadata(path);
    FAIL() << "truncated file accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("past the end of the file"), std::string::npos) << e.what();
  }
}

// Every truncation is refused with an error naming an offset; flipped bytes either
// still parse (a changed value) or are refused; nothing crashes.
TEST(GgufFile, TruncatedAndCorruptFilesAreRefused) {
  std::vector<float> data;
  const std::string bytes = sample_file(&data);
  size_t header_end = 0, data_end = 0;
  {
    File f = File::parse(bytes, "sample");
    header_end = f.tensors().front().offset;
    for (const TensorInfo& t : f.tensors()) data_end = std::max<size_t>(data_end, t.offset + t.bytes);
  }
  // Cuts in the padding after the last tensor lose nothing; every other cut is caught.
  for (size_t n = 0; n < data_end; ++n) {
    try {
      File::parse(bytes.substr(0, n), "cut");
      ADD_FAILURE() << "a file cut at " << n << " of " << bytes.size() << " bytes parsed";
    } catch (const Error& e) {
      const std::string m = e.what();
      ASSERT_TRUE(m.find("offset") != std::string::npos || m.find("past the end") != std::string::npos) << m;
    }
  }
  Rng rng(11);
  int refused = 0;
  for (size_t at = 0; at < header_end; ++at) {
    for (uint8_t mask : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xff), uint8_t(1u << (rng.next_u64() % 8))}) {
      std::string bad = bytes;
      bad[at] = char(uint8_t(bad[at]) ^ mask);
      try {
        File f = File::parse(std::move(bad), "flipped");
        for (const TensorInfo& t : f.tensors()) {  // must stay in bounds
          std::vector<float> out(size_t(t.numel()));
          f.read_f32(t, out.data());
        }
      } catch (const Error&) {
        ++refused;
      }
    }
  }
  EXPECT_GT(refused, int(header_end));  // most header damage is caught
}

}  // namespace
}  // namespace llmforge::gguf
