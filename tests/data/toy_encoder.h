// A byte-level stand-in for the tokenizer in pipeline tests: token = byte + 1,
// BOS = 0, vocabulary 257. The real tokenizer is tested in tests/tokenizer.
#pragma once

#include <memory>

#include "data/pipeline.h"

namespace llmforge::data::test {

struct ByteEncoder : TokenEncoder {
  std::vector<uint32_t> encode(std::string_view text) override {
    std::vector<uint32_t> out;
    for (unsigned char c : text) out.push_back(c + 1u);
    return out;
  }
  uint32_t bos_id() const override { return 0; }
  uint32_t vocab_size() const override { return 257; }
};

inline TokenEncoderFactory byte_encoder_factory() {
  return [] { return std::make_unique<ByteEncoder>(); };
}

}  // namespace llmforge::data::test
