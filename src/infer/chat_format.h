// Renders a conversation to tokens with the chat special tokens, in the transcript
// layout documented in tokenizer/special_tokens.h:
//   <|bos|><|system|>...<|end|><|user|>...<|end|><|assistant|>...<|end|>
// The same function serves supervised fine-tuning (tokens plus a loss mask that is 1
// on what the assistant writes, its closing <|end|> included) and inference
// (add_generation_prompt appends "<|assistant|>", and generation stops at <|end|>).
// Message text is encoded as plain text: a user who types "<|end|>" gets those
// characters, never the control token.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace llmforge {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

struct RenderedChat {
  std::vector<int32_t> tokens;
  std::vector<uint8_t> loss_mask;  // same length as tokens
};

// Throws Error("chat") for an unknown role (naming the message index) or a tokenizer
// without the chat special tokens.
RenderedChat render_chat(const Tokenizer& tok, const std::vector<ChatMessage>& messages,
                         bool add_generation_prompt);

// The id of <|end|>, where an assistant turn stops; throws Error("chat") when absent.
int32_t chat_end_token(const Tokenizer& tok);

}  // namespace llmforge
