// The OpenAI-compatible request and response shapes: parsing (with every field
// checked, and a 400 naming the field when one is wrong), response objects, stream
// chunks and error objects ({"error": {"message", "type", "param", "code"}}).
// Pure functions over JSON text: the HTTP layer and the scheduler stay free of
// request details, and the parsing is tested without a socket.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "infer/chat_format.h"
#include "infer/sampler.h"
#include "infer/tool_calls.h"

namespace llmforge::serve {

struct ApiError : std::runtime_error {
  ApiError(int status, std::string type, const std::string& message, std::string param = "",
           std::string code = "")
      : std::runtime_error(message),
        status(status),
        type(std::move(type)),
        param(std::move(param)),
        code(std::move(code)) {}
  int status;
  std::string type;   // invalid_request_error, authentication_error, server_error, ...
  std::string param;  // the offending field, or empty
  std::string code;   // e.g. context_length_exceeded
};

// {"error": {...}} as OpenAI writes it.
std::string error_body(const ApiError& e);
std::string error_body(int status, const std::string& message);  // type from the status

struct RequestLimits {
  int max_tokens = 1024;     // largest max_tokens a request may ask for
  int default_max_tokens = 256;
};

struct ApiRequest {
  bool chat = true;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::string model;           // as asked; empty when not given
  std::vector<ChatMessage> messages;  // chat
  std::string prompt;                 // completions
  SamplerSettings sampling;
  int max_tokens = 0;
  std::vector<std::string> stop;
  // Tool calling: the function names of "tools" (the client runs them and sends
  // role "tool" messages back), and "tool_choice": "auto", "none", "required", or
  // the name of the function the reply must call.
  std::vector<std::string> tools;
  std::string tool_choice = "auto";
};

// Throws ApiError 400 for bad JSON or a bad field (named in `param`).
ApiRequest parse_request(const std::string& body, bool chat, const RequestLimits& limits);

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

// Whole responses and stream chunks. `id` like "chatcmpl-7"; finish_reason may be
// empty (null) in chunks.
std::string completion_response(const ApiRequest& r, const std::string& id, int64_t created,
                                const std::string& model, const std::string& text,
                                const std::string& finish_reason, const Usage& usage);
std::string completion_chunk(const ApiRequest& r, const std::string& id, int64_t created,
                             const std::string& model, const std::string& text, bool first,
                             const std::string& finish_reason, const Usage* usage);
std::string models_response(const std::string& model, int64_t created);

// Tool calls in responses. `calls` non-empty: message.tool_calls (content null when
// `text` is empty) and finish_reason "tool_calls". `searches`: the calls the server
// ran itself (serve --index), as the extra field "llmforge_tool_events" that the web
// page shows and clients ignore.
std::string chat_response_with_tools(const ApiRequest& r, const std::string& id, int64_t created,
                                     const std::string& model, const std::string& text,
                                     const std::string& finish_reason, const Usage& usage,
                                     const std::vector<ToolCall>& calls,
                                     const std::vector<ToolEvent>& searches);
// A stream chunk whose delta carries the tool calls (index, id, type, function
// name and the whole arguments string, as OpenAI's first delta of a call does).
std::string tool_calls_chunk(const ApiRequest& r, const std::string& id, int64_t created,
                             const std::string& model, const std::vector<ToolCall>& calls, bool first);
// A stream chunk with an empty delta and the server-run call in "llmforge_tool_event".
std::string tool_event_chunk(const ApiRequest& r, const std::string& id, int64_t created,
                             const std::string& model, const ToolEvent& event);

}  // namespace llmforge::serve
