// Checkpoints: round trip, bitwise-identical resumed training, and rejection of
// truncated or corrupted files with a message naming the file and tensor.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../test_util.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "model/model_io.h"
#include "train/checkpoint.h"
#include "train/losses.h"

namespace llmforge {
namespace {

ModelConfig tiny_config() {
  ModelConfig c;
  c.vocab_size = 48, c.dim = 32, c.ffn_dim = 40, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2;
  c.max_seq_len = 16, c.tie_embeddings = false;
  return c;
}

struct Batch {
  std::vector<int32_t> tokens, targets;
};

Batch batch_for_step(int step, int b, int t, int vocab) {
  Rng rng(1000 + step);
  Batch out;
  for (int i = 0; i < b * t; ++i) {
    out.tokens.push_back(int32_t(rng.below(vocab)));
    out.targets.push_back(int32_t(rng.below(vocab)));
  }
  return out;
}

double train_step(Model& m, AdamW& opt, int step) {
  Batch batch = batch_for_step(step, 2, 8, m.config().vocab_size);
  m.zero_grad();
  m.forward(batch.tokens.data(), 2, 8);
  double loss = cross_entropy_backward(m, batch.targets.data(), nullptr, 1.0 / 16) / 16;
  opt.step(m, 3e-3);
  return loss;
}

TEST(Checkpoint, ModelRoundTripIsExact) {
  std::string dir = testing::temp_dir("ckpt/roundtrip");
  std::filesystem::remove_all(dir);
  Model m(tiny_config());
  m.init_random(5);
  save_model(m, dir);
  auto back = load_model(dir);
  ASSERT_EQ(back->n_param_floats(), m.n_param_floats());
  EXPECT_EQ(0, std::memcmp(back->params(), m.params(), sizeof(float) * m.n_param_floats()));
}

TEST(Checkpoint, ResumedRunGivesBitwiseIdenticalLosses) {
  std::string dir = testing::temp_dir("ckpt/resume");
  std::filesystem::remove_all(dir);
  Model a(tiny_config());
  a.init_random(11);
  AdamW opt_a(a, AdamWConfig{});
  std::vector<double> straight;
  for (int s = 0; s < 6; ++s) {
    if (s == 3) save_checkpoint(dir, a, opt_a, {{"note", "three"}});
    straight.push_back(train_step(a, opt_a, s));
  }
  auto b = load_model(dir);
  AdamW opt_b(*b, AdamWConfig{});
  CheckpointMeta meta = load_training_state(dir, *b, opt_b);
  EXPECT_EQ(meta.at("note"), "three");
  EXPECT_EQ(opt_b.step_count(), 3);
  for (int s = 3; s < 6; ++s) {
    double loss = train_step(*b, opt_b, s);
    EXPECT_EQ(loss, straight[s]) << "step " << s << " differs after resume";
  }
  EXPECT_EQ(0, std::memcmp(a.params(), b->params(), sizeof(float) * a.n_param_floats()));
}

std::string saved_weights(const std::string& name) {
  std::string dir = testing::temp_dir("ckpt/" + name);
  std::filesystem::remove_all(dir);
  Model m(tiny_config());
  m.init_random(3);
  save_model(m, dir);
  return dir;
}

std::string load_error(const std::string& dir) {
  try {
    load_model(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Checkpoint, TruncatedFileIsRejected) {
  std::string dir = saved_weights("truncated");
  std::string path = dir + "/model.safetensors";
  auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 100);
  std::string msg = load_error(dir);
  EXPECT_NE(msg.find("model.safetensors"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  std::filesystem::resize_file(path, 5);
  EXPECT_NE(load_error(dir).find("truncated"), std::string::npos);
}

TEST(Checkpoint, FlippedByteIsRejectedNamingTheTensor) {
  std::string dir = saved_weights("flipped");
  std::string path = dir + "/model.safetensors";
  std::string bytes = read_file(path);
  // Flip one byte in the middle of the data section (the last tensor's bytes).
  bytes[bytes.size() - 10] ^= 0x40;
  write_file_atomic(path, bytes);
  std::string msg = load_error(dir);
  EXPECT_NE(msg.find("checksum"), std::string::npos) << msg;
  EXPECT_NE(msg.find("lm_head.weight"), std::string::npos) << msg;
  // A flip inside the JSON header is caught too.
  bytes = read_file(path);
  bytes[8 + 2] ^= 0x01;
  write_file_atomic(path, bytes);
  EXPECT_FALSE(load_error(dir).empty());
}

TEST(Checkpoint, ShapeMismatchWithConfigIsRejected) {
  std::string dir = saved_weights("mismatch");
  ModelConfig other = tiny_config();
  other.ffn_dim = 48;
  write_file_atomic(dir + "/config.json", config_to_json(other));
  std::string msg = load_error(dir);
  EXPECT_NE(msg.find("gate_proj"), std::string::npos) << msg;
  EXPECT_NE(msg.find("shape"), std::string::npos) << msg;
}

TEST(Checkpoint, LoadsBf16AndF16Weights) {
  // A directory written by the Hugging Face ecosystem in half precision.
  std::string dir = saved_weights("halfprec");
  Model m(tiny_config());
  m.init_random(3);
  for (const char* dtype : {"BF16", "F16"}) {
    std::string path = dir + "/model.safetensors";
    std::string header = "{";
    std::string data;
    size_t off = 0;
    for (const ParamInfo& p : m.layout().params()) {
      for (size_t i = 0; i < p.size; ++i) {
        float x = m.params()[p.offset + i];
        uint16_t h;
        if (std::string(dtype) == "BF16") {
          h = fp32_to_bf16(x);
        } else {  // fp16 by round-trip through the hardware conversion
          _Float16 f16 = static_cast<_Float16>(x);
          std::memcpy(&h, &f16, 2);
        }
        data.append(reinterpret_cast<char*>(&h), 2);
      }
      std::string shape;
      for (auto d : p.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
      header += (off ? "," : "") + std::string("\"") + p.name + "\":{\"dtype\":\"" + dtype +
                "\",\"shape\":[" + shape + "],\"data_offsets\":[" + std::to_string(off) + "," +
                std::to_string(off + 2 * p.size) + "]}";
      off += 2 * p.size;
    }
    header += "}";
    std::string file(8, '\0');
    for (int i = 0; i < 8; ++i) file[i] = char((header.size() >> (8 * i)) & 0xff);
    write_file_atomic(path, file + header + data);
    auto back = load_model(dir);
    for (const ParamInfo& p : m.layout().params()) {
      double e = testing::normalized_error(back->params() + p.offset, m.params() + p.offset, p.size);
      EXPECT_LE(e, std::string(dtype) == "BF16" ? 8e-3 : 1e-3) << dtype << " " << p.name;
    }
  }
}

}  // namespace
}  // namespace llmforge
