// Renders a conversation to tokens with the chat special tokens, in the transcript
// layout documented in tokenizer/special_tokens.h:
//   <|bos|><|system|>...<|end|><|user|>...<|end|><|assistant|>...<|end|>
// The same function serves supervised fine-tuning (tokens plus a loss mask that is 1
// on what the assistant writes, its closing <|end|> included) and inference
// (add_generation_prompt appends "<|assistant|>", and generation stops at <|end|>).
// Message text is encoded as plain text: a user who types "<|end|>" gets those
// characters, never the control token.
//
// Tool calls stay inside the assistant's turn. An assistant message with tool calls
// ends with them instead of <|end|>; each "tool" message that follows is a result;
// the next assistant message continues the same turn without a new <|assistant|>:
//   <|assistant|><|tool_call|>{"name":"search","arguments":{"query":"Kenji Marsh"}}<|/tool_call|>
//   <|tool_result|>Kenji Marsh ... born in Lisbon ...<|/tool_result|>He was born in Lisbon.<|end|>
// The loss mask is 1 on the call (the model must learn to write it) and 0 on the
// result (the runtime writes it; the model must learn to read it, not to invent it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace llmforge {

struct ToolCall {
  std::string id;         // OpenAI's tool_call_id; not rendered
  std::string name;       // "search"
  std::string arguments;  // a JSON object as text, e.g. {"query":"Kenji Marsh"}
};

struct ChatMessage {
  ChatMessage() = default;
  ChatMessage(std::string r, std::string c) : role(std::move(r)), content(std::move(c)) {}

  std::string role;  // "system", "user", "assistant" or "tool"
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant messages only
  std::string tool_call_id;          // tool messages: the call they answer (not rendered)
};

struct RenderedChat {
  std::vector<int32_t> tokens;
  std::vector<uint8_t> loss_mask;  // same length as tokens
};

// Throws Error("chat") for an unknown role (naming the message index), a tool message
// that answers no call, tool calls left without results before another message, or a
// tokenizer without the chat special tokens. With add_generation_prompt after a tool
// result, nothing is appended: the assistant continues its turn.
RenderedChat render_chat(const Tokenizer& tok, const std::vector<ChatMessage>& messages,
                         bool add_generation_prompt);

// The id of <|end|>, where an assistant turn stops; throws Error("chat") when absent.
int32_t chat_end_token(const Tokenizer& tok);

// The text between <|tool_call|> and <|/tool_call|>: {"name":...,"arguments":{...}}.
// Arguments that are not a JSON object are kept as a JSON string.
std::string tool_call_text(const ToolCall& call);

}  // namespace llmforge
