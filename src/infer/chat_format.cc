#include "infer/chat_format.h"

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

RenderedChat render_chat(const Tokenizer& tok, const std::vector<ChatMessage>& messages,
                         bool add_generation_prompt) {
  RenderedChat out;
  auto push = [&](int32_t id, uint8_t mask) {
    out.tokens.push_back(id);
    out.loss_mask.push_back(mask);
  };
  const int32_t end = special_id(tok, special::kEnd);
  push(special_id(tok, special::kBos), 0);
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    std::string_view role_token;
    if (m.role == "system") role_token = special::kSystem;
    else if (m.role == "user") role_token = special::kUser;
    else if (m.role == "assistant") role_token = special::kAssistant;
    else {
      ErrorBuilder("chat") << "message " << i << " has role '" << m.role
                           << "' (expected system, user or assistant)";
    }
    const uint8_t mask = m.role == "assistant" ? 1 : 0;
    push(special_id(tok, role_token), 0);
    for (uint32_t id : tok.encode(m.content, AllowedSpecial::as_text())) push(int32_t(id), mask);
    push(end, mask);
  }
  if (add_generation_prompt) push(special_id(tok, special::kAssistant), 0);
  return out;
}

}  // namespace llmforge
