#include "infer/chat_format.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tokenizer/special_tokens.h"

namespace llmforge {

namespace {
int32_t special_id(const Tokenizer& tok, std::string_view name) {
  auto id = tok.special_token_id(name);
  if (!id) {
    ErrorBuilder("chat") << "tokenizer " << tok.name() << " has no " << name
                         << " token (train it with llmforge's reserved chat tokens)";
  }
  return int32_t(*id);
}
}  // namespace

int32_t chat_end_token(const Tokenizer& tok) { return special_id(tok, special::kEnd); }

std::string tool_call_text(const ToolCall& call) {
  nlohmann::json args = nlohmann::json::parse(call.arguments, nullptr, /*allow_exceptions=*/false);
  if (!args.is_object()) args = call.arguments;
  return nlohmann::json{{"name", call.name}, {"arguments", args}}.dump();
}

RenderedChat render_chat(const Tokenizer& tok, const std::vector<ChatMessage>& messages,
                         bool add_generation_prompt) {
  RenderedChat out;
  auto push = [&](int32_t id, uint8_t mask) {
    out.tokens.push_back(id);
    out.loss_mask.push_back(mask);
  };
  auto push_text = [&](const std::string& text, uint8_t mask) {
    for (uint32_t id : tok.encode(text, AllowedSpecial::as_text())) push(int32_t(id), mask);
  };
  const int32_t end = special_id(tok, special::kEnd);
  push(special_id(tok, special::kBos), 0);
  // Calls made in the open assistant turn that have no result yet, and whether the
  // turn is open (after tool calls or their results).
  size_t open_calls = 0;
  bool in_tool_turn = false;
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role == "tool") {
      if (!in_tool_turn || open_calls == 0) {
        ErrorBuilder("chat") << "message " << i << " is a tool result that answers no tool call";
      }
      --open_calls;
      push(special_id(tok, special::kToolResult), 0);
      push_text(m.content, 0);
      push(special_id(tok, special::kToolResultEnd), 0);
      continue;
    }
    if (open_calls > 0) {
      ErrorBuilder("chat") << "message " << i << " (" << m.role << ") comes before the results of "
                           << open_calls << " tool call(s)";
    }
    std::string_view role_token;
    if (m.role == "system") role_token = special::kSystem;
    else if (m.role == "user") role_token = special::kUser;
    else if (m.role == "assistant") role_token = special::kAssistant;
    else {
      ErrorBuilder("chat") << "message " << i << " has role '" << m.role
                           << "' (expected system, user, assistant or tool)";
    }
    if (m.role != "assistant" && in_tool_turn) {
      // A client may stop after the results; the unfinished turn is closed for it.
      push(end, 0);
      in_tool_turn = false;
    }
    const uint8_t mask = m.role == "assistant" ? 1 : 0;
    if (!(m.role == "assistant" && in_tool_turn)) push(special_id(tok, role_token), 0);
    push_text(m.content, mask);
    if (m.role == "assistant" && !m.tool_calls.empty()) {
      for (const ToolCall& c : m.tool_calls) {
        push(special_id(tok, special::kToolCall), 1);
        push_text(tool_call_text(c), 1);
        push(special_id(tok, special::kToolCallEnd), 1);
      }
      open_calls = m.tool_calls.size();
      in_tool_turn = true;
      continue;
    }
    in_tool_turn = false;
    push(end, mask);
  }
  if (open_calls > 0) {
    ErrorBuilder("chat") << "the conversation ends with " << open_calls << " tool call(s) without results";
  }
  if (add_generation_prompt && !in_tool_turn) push(special_id(tok, special::kAssistant), 0);
  if (!add_generation_prompt && in_tool_turn) push(end, 0);  // a transcript ends closed
  return out;
}

}  // namespace llmforge
