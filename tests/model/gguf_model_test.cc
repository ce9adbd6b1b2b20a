// GGUF model export and import: an f32 file reads back to bitwise the same weights
// and logits, q and k are stored in llama.cpp's rotary layout, the 16- and 8-bit types
// stay within their rounding, and files llmforge cannot represent or that are damaged
// are refused with an error naming what is wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "../test_util.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "model/gguf_model.h"
#include "model/model_io.h"

namespace llmforge {
namespace {

ModelConfig gguf_config(bool tied) {
  ModelConfig c;
  c.vocab_size = 64, c.dim = 64, c.ffn_dim = 96, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2;
  c.max_seq_len = 32, c.tie_embeddings = tied, c.rope_theta = 5000.0f, c.norm_eps = 1e-6f;
  return c;
}

std::string export_file(const Model& m, gguf::TensorType type, const std::string& name) {
  const std::string path = testing::temp_dir("gguf_model/" + name);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  gguf::Writer w;
  add_model_to_gguf(m, type, "test", &w);
  w.write(path);
  return path;
}

std::vector<float> all_logits(Model& m, const std::vector<int32_t>& tokens) {
  m.forward(tokens.data(), 1, int(tokens.size()));
  std::vector<float> out(tokens.size() * size_t(m.config().vocab_size));
  m.logits(0, int(tokens.size()), out.data());
  return out;
}

std::string error_of(const std::string& bytes) {
  try {
    load_gguf_model(gguf::File::parse(bytes, "x.gguf"), Precision::kFp32);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(GgufModel, F32RoundTripIsExact) {
  for (bool tied : {false, true}) {
    Model m(gguf_config(tied));
    m.init_random(3, 0.1f);
    const std::string path = export_file(m, gguf::TensorType::kF32, tied ? "tied.gguf" : "untied.gguf");
    gguf::File f = gguf::File::load(path);
    EXPECT_EQ(f.find_tensor("output.weight") == nullptr, tied);
    auto back = load_model(path);  // through the same entry point as model directories
    const ModelConfig& c = back->config();
    EXPECT_EQ(c.tie_embeddings, tied);
    EXPECT_EQ(c.n_kv_heads, 2);
    EXPECT_EQ(c.max_seq_len, 32);
    EXPECT_EQ(c.rope_theta, 5000.0f);
    EXPECT_EQ(c.norm_eps, 1e-6f);
    ASSERT_EQ(back->n_param_floats(), m.n_param_floats());
    EXPECT_EQ(0, std::memcmp(back->params(), m.params(), sizeof(float) * m.n_param_floats()));
    const std::vector<int32_t> tokens = {1, 5, 9, 63, 0, 17, 17, 2};
    EXPECT_EQ(all_logits(*back, tokens), all_logits(m, tokens));
    EXPECT_EQ(load_model_config(path).dim, 64);
  }
}

TEST(GgufModel, QueryAndKeyRowsUseLlamaCppRotaryLayout) {
  Model m(gguf_config(true));
  m.init_random(4, 0.1f);
  gguf::File f = gguf::File::load(export_file(m, gguf::TensorType::kF32, "layout.gguf"));
  const int hd = 16, half = 8, C = 64;
  for (const auto& [g, hf, heads] : {std::tuple{"blk.1.attn_q.weight", "model.layers.1.self_attn.q_proj.weight", 4},
                                     std::tuple{"blk.1.attn_k.weight", "model.layers.1.self_attn.k_proj.weight", 2}}) {
    const gguf::TensorInfo* t = f.find_tensor(g);
    ASSERT_TRUE(t);
    std::vector<float> stored(size_t(t->numel()));
    f.read_f32(*t, stored.data());
    const float* ours = m.param(hf);
    for (int h = 0; h < heads; ++h)
      for (int s = 0; s < 2; ++s)
        for (int j = 0; j < half; ++j)
          for (int col : {0, 13, C - 1})
            ASSERT_EQ(stored[size_t((h * hd + 2 * j + s) * C + col)], ours[(h * hd + s * half + j) * C + col]) << g;
  }
  // v is not rotated: stored unchanged.
  std::vector<float> v(size_t(f.find_tensor("blk.0.attn_v.weight")->numel()));
  f.read_f32(*f.find_tensor("blk.0.attn_v.weight"), v.data());
  EXPECT_EQ(0, std::memcmp(v.data(), m.param("model.layers.0.self_attn.v_proj.weight"), v.size() * 4));
}

TEST(GgufModel, ReducedTypesStayWithinTheirRounding) {
  Model m(gguf_config(false));
  m.init_random(6, 0.1f);
  const std::vector<int32_t> tokens = {3, 1, 4, 1, 5, 9, 2, 6};
  const std::vector<float> ref = all_logits(m, tokens);
  for (auto [type, weight_tol, logit_tol] : {std::tuple{gguf::TensorType::kF16, 1e-3, 1e-2},
                                             std::tuple{gguf::TensorType::kBF16, 8e-3, 5e-2},
                                             std::tuple{gguf::TensorType::kQ8_0, 1e-2, 5e-2}}) {
    const std::string path = export_file(m, type, std::string(gguf::tensor_type_name(type)) + ".gguf");
    auto back = load_model(path);
    EXPECT_LT(testing::normalized_error(back->params(), m.params(), m.n_param_floats()), weight_tol)
        << gguf::tensor_type_name(type);
    const std::vector<float> got = all_logits(*back, tokens);
    EXPECT_LT(testing::normalized_error(got.data(), ref.data(), ref.size()), logit_tol)
        << gguf::tensor_type_name(type);
    // Norms stay f32.
    EXPECT_EQ(gguf::File::load(path).find_tensor("blk.0.attn_norm.weight")->type, gguf::TensorType::kF32);
  }
}

TEST(GgufModel, ForeignFilesAreRefusedByName) {
  Model m(gguf_config(true));
  m.init_random(7, 0.1f);
  const std::string path = testing::temp_dir("gguf_model/foreign.gguf");
  {
    gguf::Writer w;
    add_model_to_gguf(m, gguf::TensorType::kF32, "t", &w);
    w.set_string("general.architecture", "gpt2");
    w.write(path);
    EXPECT_NE(error_of(read_file(path)).find("architecture 'gpt2' is not supported"), std::string::npos);
  }
  {
    gguf::Writer w;
    add_model_to_gguf(m, gguf::TensorType::kF32, "t", &w);
    std::vector<float> freqs(8, 1.0f);
    w.add_tensor("rope_freqs.weight", {8}, gguf::TensorType::kF32, freqs.data());
    w.write(path);
    EXPECT_NE(error_of(read_file(path)).find("unknown tensor 'rope_freqs.weight'"), std::string::npos);
  }
  {
    gguf::Writer w;
    add_model_to_gguf(m, gguf::TensorType::kF32, "t", &w);
    w.set_u32("llama.rope.dimension_count", 8);
    w.write(path);
    EXPECT_NE(error_of(read_file(path)).find("llama.rope.dimension_count = 8"), std::string::npos);
  }
  {
    gguf::Writer w;
    add_model_to_gguf(m, gguf::TensorType::kF32, "t", &w);
    w.set_u32("llama.feed_forward_length", 97);
    w.write(path);
    EXPECT_NE(error_of(read_file(path)).find("tensor 'blk.0.ffn_gate.weight' has shape [96, 64] but the metadata implies [97, 64]"),
              std::string::npos) << error_of(read_file(path));
  }
  ModelConfig vh = gguf_config(true);
  vh.value_head = true;
  Model with_value(vh);
  gguf::Writer w;
  EXPECT_THROW(add_model_to_gguf(with_value, gguf::TensorType::kF32, "t", &w), Error);
}

// Cut or flipped anywhere, a model file is refused with an error or (for a flip in
// tensor data or in a value that stays consistent) loads; never a crash.
TEST(GgufModel, DamagedFilesNeverCrash) {
  Model m(gguf_config(false));
  m.init_random(8, 0.1f);
  const std::string bytes = read_file(export_file(m, gguf::TensorType::kQ8_0, "damaged.gguf"));
  const gguf::File whole = gguf::File::parse(bytes, "x");
  const size_t header_end = whole.tensors().front().offset;
  size_t data_end = 0;
  for (const gguf::TensorInfo& t : whole.tensors()) data_end = std::max<size_t>(data_end, t.offset + t.bytes);
  for (size_t n = 0; n < data_end; n += (n < header_end ? 1 : 97)) {
    const std::string m_ = error_of(bytes.substr(0, n));
    ASSERT_TRUE(m_.find("offset") != std::string::npos || m_.find("past the end") != std::string::npos)
        << "cut at " << n << ": " << m_;
  }
  Rng rng(2);
  for (size_t at = 0; at < header_end; ++at) {
    std::string bad = bytes;
    bad[at] = char(uint8_t(bad[at]) ^ uint8_t(1u << (rng.next_u64() % 8)));
    const std::string msg = error_of(bad);
    ASSERT_FALSE(msg.empty());
  }
}

}  // namespace
}  // namespace llmforge
