// Invalid configs are rejected with a clear error before anything is allocated.
#include <gtest/gtest.h>

#include "core/error.h"
#include "model/config.h"
#include "model/model.h"

namespace llmforge {
namespace {

ModelConfig small() {
  ModelConfig c;
  c.vocab_size = 32, c.dim = 16, c.ffn_dim = 32, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 1;
  c.max_seq_len = 8;
  return c;
}

void expect_rejected(ModelConfig c, const std::string& fragment) {
  try {
    Model m(c);
    FAIL() << "accepted an invalid config (" << fragment << ")";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Config, RejectsInvalidShapesBeforeAllocating) {
  ModelConfig c = small();
  c.n_heads = 3;  // 16 % 3 != 0
  expect_rejected(c, "does not divide dim");
  c = small();
  c.n_heads = 4, c.n_kv_heads = 3;
  expect_rejected(c, "n_kv_heads 3 does not divide n_heads 4");
  c = small();
  c.dim = 18, c.n_heads = 6, c.n_kv_heads = 6;  // head_dim 3
  expect_rejected(c, "must be even");
  for (int ModelConfig::*field : {&ModelConfig::vocab_size, &ModelConfig::dim,
                                  &ModelConfig::ffn_dim, &ModelConfig::n_layers,
                                  &ModelConfig::n_heads, &ModelConfig::n_kv_heads,
                                  &ModelConfig::max_seq_len}) {
    c = small();
    c.*field = 0;
    expect_rejected(c, "must be positive");
  }
  // Absurd sizes fail validation, not the allocator.
  c = small();
  c.vocab_size = 1 << 30;
  expect_rejected(c, "too large");
}

TEST(Config, JsonRoundTripUsesLlamaKeys) {
  ModelConfig c = small();
  c.tie_embeddings = false;
  c.value_head = true;
  c.rope_theta = 5e5f;
  std::string json = config_to_json(c);
  for (const char* key : {"\"vocab_size\"", "\"hidden_size\"", "\"intermediate_size\"",
                          "\"num_hidden_layers\"", "\"num_attention_heads\"",
                          "\"num_key_value_heads\"", "\"rms_norm_eps\"", "\"rope_theta\"",
                          "\"max_position_embeddings\"", "\"tie_word_embeddings\""})
    EXPECT_NE(json.find(key), std::string::npos) << key;
  ModelConfig back = config_from_json(json, "test");
  EXPECT_EQ(back.dim, c.dim);
  EXPECT_EQ(back.n_kv_heads, c.n_kv_heads);
  EXPECT_EQ(back.tie_embeddings, false);
  EXPECT_EQ(back.value_head, true);
  EXPECT_FLOAT_EQ(back.rope_theta, 5e5f);
}

TEST(Config, BadJsonNamesTheFileAndKey) {
  try {
    config_from_json("{\"vocab_size\": 10}", "dir/config.json");
    FAIL();
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("dir/config.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("hidden_size"), std::string::npos) << msg;
  }
  EXPECT_THROW(config_from_json("{not json", "x"), Error);
  EXPECT_THROW(config_from_json(R"({"vocab_size": 10, "hidden_size": "big",
      "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2})", "x"), Error);
}

}  // namespace
}  // namespace llmforge
