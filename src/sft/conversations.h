// Conversations for supervised fine-tuning: JSONL in the OpenAI chat format, one
// conversation a line,
//   {"messages": [{"role": "system|user|assistant", "content": "..."}, ...]}
// Tool use as OpenAI writes it: an assistant message with "tool_calls" (content may
// be null) and "tool" messages with the results; the loss trains the calls, never the
// results (see render_chat).
// (other keys are ignored), rendered to tokens plus a loss mask with render_chat.
// Malformed lines are errors naming file:line; a conversation longer than the
// training window is dropped and counted, never truncated (a cut-off answer would
// teach the model to stop mid-sentence).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infer/chat_format.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

struct SftConversation {
  std::vector<int32_t> tokens;
  std::vector<uint8_t> loss_mask;  // 1 on assistant-written tokens and their <|end|>
  long line = 0;                   // 1-based line in the source file
};

struct SftConversationSet {
  std::vector<SftConversation> conversations;
  long dropped_too_long = 0;  // longer than max_tokens
  long assistant_tokens = 0;  // sum of loss_mask over the kept conversations
  long tokens = 0;
};

// Parses one JSONL line's messages. Throws Error("sft") that starts with `where`
// (e.g. "train.jsonl:12") for malformed JSON, missing or empty "messages", a
// message without a string role or content, an unknown role, or no assistant message.
std::vector<ChatMessage> parse_conversation_line(const std::string& line, const std::string& where);

// Reads and renders every non-blank line of `path`; conversations of more than
// `max_tokens` tokens are dropped (counted in dropped_too_long). Throws Error("sft")
// for an unreadable file, a malformed line (file:line), or a file with no conversation.
SftConversationSet load_conversations(const std::string& path, const Tokenizer& tok,
                                      long max_tokens);

}  // namespace llmforge
