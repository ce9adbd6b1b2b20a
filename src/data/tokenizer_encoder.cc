#include "data/tokenizer_encoder.h"

#include <memory>

#include "tokenizer/tokenizer.h"

namespace llmforge::data {

namespace {
class TokenizerEncoder : public TokenEncoder {
 public:
  explicit TokenizerEncoder(Tokenizer t) : tok_(std::move(t)) {}
  std::vector<uint32_t> encode(std::string_view text) override { return tok_.encode_ordinary(text); }
  uint32_t bos_id() const override { return tok_.bos_id(); }
  uint32_t vocab_size() const override { return tok_.vocab_size(); }

 private:
  Tokenizer tok_;
};
}  // namespace

TokenEncoderFactory make_tokenizer_factory(const std::string& name_or_path) {
  // Load once up front so that a bad name fails before any work starts.
  auto shared = std::make_shared<Tokenizer>(Tokenizer::load(name_or_path));
  return [shared]() -> std::unique_ptr<TokenEncoder> {
    return std::make_unique<TokenizerEncoder>(*shared);
  };
}

}  // namespace llmforge::data
