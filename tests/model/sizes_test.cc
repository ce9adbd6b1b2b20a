// Sizes from files are checked before they are trusted: config.json against the
// weights file's header before allocating, numbers past 2^31 reported as such, KV
// caches that cannot fit refused with the sizes, and safetensors byte ranges that
// overlap or leave holes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "model/model_io.h"
#include "model/safetensors.h"

namespace llmforge {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::string small_model_dir(const std::string& name) {
  std::string dir = testing::temp_dir("sizes/" + name);
  std::filesystem::remove_all(dir);
  ModelConfig c;
  c.vocab_size = 32, c.dim = 16, c.ffn_dim = 24, c.n_layers = 2, c.n_heads = 2, c.n_kv_heads = 2;
  c.max_seq_len = 8;
  Model m(c);
  m.init_random(1);
  save_model(m, dir);
  return dir;
}

void edit_config(const std::string& dir, const char* key, const nlohmann::json& value) {
  nlohmann::json j = nlohmann::json::parse(read_file(dir + "/config.json"));
  j[key] = value;
  write_file_atomic(dir + "/config.json", j.dump());
}

TEST(Sizes, ConfigIsCheckedAgainstTheWeightsBeforeAllocating) {
  const std::string dir = small_model_dir("layers");
  edit_config(dir, "num_hidden_layers", 1000000000);
  std::string e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("config.json: num_hidden_layers is 1000000000"), std::string::npos) << e;
  EXPECT_NE(e.find("has 2 layers"), std::string::npos) << e;

  const std::string ffn = small_model_dir("ffn");
  edit_config(ffn, "intermediate_size", 1000000000);
  e = error_of([&] { load_model(ffn); });
  EXPECT_NE(e.find("but config.json implies [1000000000,16,]"), std::string::npos) << e;
}

TEST(Sizes, NumbersPastInt32AreReportedNotWrapped) {
  const std::string dir = small_model_dir("wide");
  edit_config(dir, "hidden_size", 2147483648ull);
  std::string e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("config.json: \"hidden_size\" is 2147483648; expected 1 to 2147483647"),
            std::string::npos)
      << e;
}

TEST(Sizes, KvCacheThatCannotFitIsRefusedWithTheSizes) {
  ModelConfig c;
  c.max_seq_len = 1000000000;
  std::string e = error_of([&] { check_kv_cache_fits(c, 4, c.max_seq_len, "pass a smaller --n"); });
  EXPECT_NE(e.find("max_position_embeddings is 1000000000"), std::string::npos) << e;
  EXPECT_NE(e.find("pass a smaller --n"), std::string::npos) << e;
  EXPECT_EQ(error_of([&] { check_kv_cache_fits(c, 1, 256, ""); }), "no error");
}

// Two tensors on the same bytes while an equal-sized hole is left: the totals agree,
// the ranges do not.
TEST(Sizes, SafetensorsRangesMustTileTheData) {
  const std::string path = testing::temp_dir("sizes") + "/overlap.safetensors";
  auto write = [&](size_t b_begin) {
    nlohmann::json h = {
        {"a", {{"dtype", "F32"}, {"shape", {4}}, {"data_offsets", {0, 16}}}},
        {"b", {{"dtype", "F32"}, {"shape", {4}}, {"data_offsets", {b_begin, b_begin + 16}}}}};
    std::string text = h.dump();
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = char((text.size() >> (8 * i)) & 0xff);
    bytes += text + std::string(32, '\0');
    std::ofstream(path, std::ios::binary) << bytes;
  };
  write(16);
  EXPECT_EQ(error_of([&] { SafetensorsFile::load(path); }), "no error");
  write(0);
  std::string e = error_of([&] { SafetensorsFile::load(path); });
  EXPECT_NE(e.find("tensors a and b overlap"), std::string::npos) << e;
  write(8);
  e = error_of([&] { SafetensorsFile::load(path); });
  EXPECT_NE(e.find("overlap"), std::string::npos) << e;
}

}  // namespace
}  // namespace llmforge
