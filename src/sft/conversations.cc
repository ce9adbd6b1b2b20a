#include "sft/conversations.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace llmforge {

std::vector<ChatMessage> parse_conversation_line(const std::string& line, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    ErrorBuilder("sft") << where << ": not valid JSON: " << e.what();
  }
  if (!j.is_object()) ErrorBuilder("sft") << where << ": expected a JSON object with \"messages\"";
  auto it = j.find("messages");
  if (it == j.end()) ErrorBuilder("sft") << where << ": no \"messages\" key";
  if (!it->is_array() || it->empty()) {
    ErrorBuilder("sft") << where << ": \"messages\" must be a non-empty array";
  }
  std::vector<ChatMessage> messages;
  bool has_assistant = false;
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& m = (*it)[i];
    if (!m.is_object()) ErrorBuilder("sft") << where << ": message " << i << " is not an object";
    auto role = m.find("role");
    auto content = m.find("content");
    if (role == m.end() || !role->is_string()) {
      ErrorBuilder("sft") << where << ": message " << i << " has no string \"role\"";
    }
    auto calls = m.find("tool_calls");
    const bool has_calls = calls != m.end() && !calls->is_null();
    if (has_calls && role->get<std::string>() == "assistant") {
      // OpenAI's layout: {"role": "assistant", "content": null, "tool_calls": [{"id": ...,
      // "type": "function", "function": {"name": ..., "arguments": "{...}"}}]}.
      ChatMessage msg("assistant", content != m.end() && content->is_string() ? content->get<std::string>() : "");
      if (!calls->is_array() || calls->empty()) ErrorBuilder("sft") << where << ": message " << i << ": \"tool_calls\" must be a non-empty array";
      for (const nlohmann::json& c : *calls) {
        auto f = c.is_object() ? c.find("function") : c.end();
        if (f == c.end() || !f->is_object() || !f->contains("name") || !(*f)["name"].is_string() ||
            !f->contains("arguments") || !(*f)["arguments"].is_string()) {
          ErrorBuilder("sft") << where << ": message " << i
                              << ": each tool call needs \"function\": {\"name\": string, \"arguments\": string}";
        }
        msg.tool_calls.push_back({c.value("id", ""), (*f)["name"].get<std::string>(), (*f)["arguments"].get<std::string>()});
      }
      has_assistant = true;
      messages.push_back(std::move(msg));
      continue;
    }
    if (content == m.end() || !content->is_string()) {
      ErrorBuilder("sft") << where << ": message " << i << " has no string \"content\""
                          << (content != m.end() ? " (content is " + std::string(content->type_name()) + ")" : "");
    }
    std::string r = role->get<std::string>();
    if (r != "system" && r != "user" && r != "assistant" && r != "tool") {
      ErrorBuilder("sft") << where << ": message " << i << " has role '" << r
                          << "' (expected system, user, assistant or tool)";
    }
    has_assistant |= r == "assistant";
    messages.push_back({std::move(r), content->get<std::string>()});
  }
  if (!has_assistant) ErrorBuilder("sft") << where << ": no assistant message (nothing to learn)";
  return messages;
}

SftConversationSet load_conversations(const std::string& path, const Tokenizer& tok,
                                      long max_tokens) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ErrorBuilder("sft") << "cannot open " << path << ": " << std::strerror(errno);
  SftConversationSet set;
  std::string line;
  long line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line_no);
    std::vector<ChatMessage> messages = parse_conversation_line(line, where);
    RenderedChat r;
    try {
      r = render_chat(tok, messages, /*add_generation_prompt=*/false);
    } catch (const Error& e) {
      ErrorBuilder("sft") << where << ": " << e.what();
    }
    if (long(r.tokens.size()) > max_tokens) {
      ++set.dropped_too_long;
      continue;
    }
    SftConversation c;
    c.tokens = std::move(r.tokens);
    c.loss_mask = std::move(r.loss_mask);
    c.line = line_no;
    set.tokens += long(c.tokens.size());
    for (uint8_t m : c.loss_mask) set.assistant_tokens += m;
    set.conversations.push_back(std::move(c));
  }
  if (in.bad()) ErrorBuilder("sft") << "error reading " << path;
  if (set.conversations.empty()) {
    ErrorBuilder("sft") << path << ": no conversations"
                        << (set.dropped_too_long ? " shorter than the training window (" +
                                                       std::to_string(set.dropped_too_long) +
                                                       " too long; raise --seq)"
                                                 : "");
  }
  return set;
}

}  // namespace llmforge
