#include "infer/tool_calls.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tokenizer/special_tokens.h"

namespace llmforge {

namespace {
int32_t special_id_of(const Tokenizer& tok, std::string_view name) {
  auto id = tok.special_token_id(name);
  if (!id) ErrorBuilder("chat") << "tokenizer " << tok.name() << " has no " << name << " token";
  return int32_t(*id);
}
}  // namespace

std::string parse_tool_call(std::string_view text, ToolCall& call) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return "the tool call is not valid JSON";
  if (!j.is_object()) return "the tool call is not a JSON object";
  auto name = j.find("name");
  if (name == j.end() || !name->is_string() || name->get<std::string>().empty())
    return "the tool call has no \"name\"";
  auto args = j.find("arguments");
  nlohmann::json a = nlohmann::json::object();
  if (args != j.end()) {
    a = args->is_string() ? nlohmann::json::parse(args->get<std::string>(), nullptr, false) : *args;
    if (!a.is_object()) return "the tool call's \"arguments\" is not a JSON object";
  }
  call.name = name->get<std::string>();
  call.arguments = a.dump();
  return {};
}

ToolCallSession::ToolCallSession(const Tokenizer& tok, ToolRunner runner, ToolSettings settings)
    : tok_(tok),
      runner_(std::move(runner)),
      settings_(settings),
      call_begin_(special_id_of(tok, special::kToolCall)),
      call_end_(special_id_of(tok, special::kToolCallEnd)),
      result_begin_(special_id_of(tok, special::kToolResult)),
      result_end_(special_id_of(tok, special::kToolResultEnd)) {
  if (settings_.max_result_tokens < 1) ErrorBuilder("tool") << "the result token budget must be positive";
}

std::string ToolCallSession::observe(const SequenceUpdate& u) {
  // Text comes out token by token (held-back bytes aside), so a step that enters a
  // call shows nothing of itself; the call's text is shown from its event instead.
  bool hide = in_call_;
  for (int32_t t : u.tokens) {
    if (t == call_begin_) {
      in_call_ = true;
      hide = true;
      call_tokens_.clear();
    } else if (t == call_end_) {
      hide = true;
    } else if (in_call_) {
      call_tokens_.push_back(uint32_t(t));
    }
  }
  return hide ? std::string() : u.text;
}

void ToolCallSession::begin_call() {
  in_call_ = true;
  call_tokens_.clear();
}

std::string ToolCallSession::parse_pending(ToolCall& call) const {
  if (!in_call_) return "a tool call must start with " + std::string(special::kToolCall);
  return parse_tool_call(tok_.decode_text(call_tokens_), call);
}

std::vector<int32_t> ToolCallSession::run_pending(ToolEvent& event) {
  event = ToolEvent{};
  ++calls_;
  std::string error;
  if (!in_call_) {
    error = "a tool call must start with " + std::string(special::kToolCall);
  } else {
    event.call_text = tok_.decode_text(call_tokens_);
    error = parse_tool_call(event.call_text, event.call);
  }
  in_call_ = false;
  call_tokens_.clear();
  if (error.empty() && calls_ > settings_.max_calls) {
    error = "at most " + std::to_string(settings_.max_calls) + " tool calls per turn; answer now";
  }
  if (error.empty() && !runner_) error = "no tools are available";
  std::string text;
  if (error.empty()) {
    try {
      ToolOutput out = runner_(event.call);
      text = std::move(out.text);
      event.hits = std::move(out.hits);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (!error.empty()) {
    event.error = true;
    text = "error: " + error;
  }
  std::vector<uint32_t> ids = tok_.encode(text, AllowedSpecial::as_text());
  if (int(ids.size()) > settings_.max_result_tokens) {
    ids.resize(size_t(settings_.max_result_tokens));
    event.truncated = true;
  }
  event.result = tok_.decode_text(ids);
  event.result_tokens = int(ids.size());
  std::vector<int32_t> out = {result_begin_};
  for (uint32_t id : ids) out.push_back(int32_t(id));
  out.push_back(result_end_);
  return out;
}

}  // namespace llmforge
