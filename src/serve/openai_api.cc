#include "serve/openai_api.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

namespace llmforge::serve {

using nlohmann::json;

namespace {

std::string dump(const json& j) {
  // Generated text may end inside a character; never let that throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

[[noreturn]] void bad(const std::string& param, const std::string& message) {
  throw ApiError(400, "invalid_request_error", message, param);
}

double number(const json& body, const char* key, double lo, double hi, double fallback) {
  if (!body.contains(key) || body[key].is_null()) return fallback;
  const json& v = body[key];
  if (!v.is_number()) bad(key, std::string("'") + key + "' must be a number");
  double x = v.get<double>();
  if (!(x >= lo && x <= hi)) {
    bad(key, std::string("'") + key + "' is " + std::to_string(x) + "; expected " +
                 std::to_string(lo) + " to " + std::to_string(hi));
  }
  return x;
}

int64_t integer(const json& body, const char* key, int64_t lo, int64_t hi, int64_t fallback) {
  if (!body.contains(key) || body[key].is_null()) return fallback;
  const json& v = body[key];
  if (!v.is_number_integer() && !v.is_number_unsigned()) {
    bad(key, std::string("'") + key + "' must be an integer");
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) {
    bad(key, std::string("'") + key + "' is out of range");
  }
  int64_t x = v.get<int64_t>();
  if (x < lo || x > hi) {
    bad(key, std::string("'") + key + "' is " + std::to_string(x) + "; expected " +
                 std::to_string(lo) + " to " + std::to_string(hi));
  }
  return x;
}

// A message's content: a string, or OpenAI's array of {"type": "text", "text": ...}.
std::string content_text(const json& c, size_t i) {
  const std::string param = "messages[" + std::to_string(i) + "].content";
  if (c.is_string()) return c.get<std::string>();
  if (c.is_array()) {
    std::string out;
    for (const json& part : c) {
      if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
          !part["text"].is_string()) {
        bad(param, "only text content parts are supported");
      }
      out += part["text"].get<std::string>();
    }
    return out;
  }
  bad(param, "'" + param + "' must be a string or an array of text parts");
}

std::vector<ToolCall> parse_tool_calls(const json& calls, const std::string& p) {
  if (!calls.is_array()) bad(p, "'" + p + "' must be an array");
  std::vector<ToolCall> out;
  for (size_t k = 0; k < calls.size(); ++k) {
    const json& c = calls[k];
    const std::string q = p + "[" + std::to_string(k) + "]";
    if (!c.is_object() || !c.contains("function") || !c["function"].is_object())
      bad(q, "'" + q + "' must be an object with a \"function\"");
    const json& f = c["function"];
    if (!f.contains("name") || !f["name"].is_string()) bad(q + ".function.name", "'" + q + ".function.name' must be a string");
    ToolCall call;
    call.id = c.value("id", "");
    call.name = f["name"].get<std::string>();
    if (f.contains("arguments") && f["arguments"].is_string()) call.arguments = f["arguments"].get<std::string>();
    else if (f.contains("arguments") && f["arguments"].is_object()) call.arguments = f["arguments"].dump();
    else bad(q + ".function.arguments", "'" + q + ".function.arguments' must be a JSON string");
    out.push_back(std::move(call));
  }
  return out;
}

void parse_tools(const json& body, ApiRequest& r) {
  if (body.contains("tools") && !body["tools"].is_null()) {
    const json& tools = body["tools"];
    if (!tools.is_array()) bad("tools", "'tools' must be an array");
    for (size_t k = 0; k < tools.size(); ++k) {
      const json& t = tools[k];
      const std::string q = "tools[" + std::to_string(k) + "]";
      if (!t.is_object() || t.value("type", "") != "function" || !t.contains("function") ||
          !t["function"].is_object() || !t["function"].contains("name") || !t["function"]["name"].is_string()) {
        bad(q, "'" + q + "' must be {\"type\": \"function\", \"function\": {\"name\": ...}}");
      }
      r.tools.push_back(t["function"]["name"].get<std::string>());
    }
  }
  if (body.contains("tool_choice") && !body["tool_choice"].is_null()) {
    const json& tc = body["tool_choice"];
    if (tc.is_string()) {
      r.tool_choice = tc.get<std::string>();
      if (r.tool_choice != "auto" && r.tool_choice != "none" && r.tool_choice != "required")
        bad("tool_choice", "'tool_choice' is '" + r.tool_choice + "'; expected auto, none, required or a function");
    } else if (tc.is_object() && tc.contains("function") && tc["function"].is_object() &&
               tc["function"].contains("name") && tc["function"]["name"].is_string()) {
      r.tool_choice = tc["function"]["name"].get<std::string>();
      if (std::find(r.tools.begin(), r.tools.end(), r.tool_choice) == r.tools.end())
        bad("tool_choice", "'tool_choice' names '" + r.tool_choice + "', which is not in 'tools'");
    } else {
      bad("tool_choice", "'tool_choice' must be a string or {\"type\": \"function\", \"function\": {\"name\": ...}}");
    }
    if (r.tool_choice == "required" && r.tools.empty()) bad("tool_choice", "'tool_choice' is required but there are no 'tools'");
  }
}

json tool_calls_json(const std::vector<ToolCall>& calls, bool with_index) {
  json out = json::array();
  for (size_t k = 0; k < calls.size(); ++k) {
    json c = {{"id", calls[k].id}, {"type", "function"},
              {"function", {{"name", calls[k].name}, {"arguments", calls[k].arguments}}}};
    if (with_index) c["index"] = k;
    out.push_back(std::move(c));
  }
  return out;
}

json tool_event_json(const ToolEvent& e) {
  json hits = json::array();
  for (const ToolHit& h : e.hits) hits.push_back({{"title", h.title}, {"url", h.url}, {"snippet", h.snippet}});
  return {{"name", e.call.name}, {"arguments", e.call.arguments}, {"error", e.error},
          {"result", e.result}, {"result_tokens", e.result_tokens}, {"hits", hits}};
}

}  // namespace

std::string chat_response_with_tools(const ApiRequest& r, const std::string& id, int64_t created,
                                     const std::string& model, const std::string& text,
                                     const std::string& finish_reason, const Usage& usage,
                                     const std::vector<ToolCall>& calls,
                                     const std::vector<ToolEvent>& searches) {
  json out = json::parse(completion_response(r, id, created, model, text, finish_reason, usage));
  json& message = out["choices"][0]["message"];
  if (!calls.empty()) {
    message["tool_calls"] = tool_calls_json(calls, false);
    if (text.empty()) message["content"] = nullptr;
  }
  if (!searches.empty()) {
    json events = json::array();
    for (const ToolEvent& e : searches) events.push_back(tool_event_json(e));
    out["llmforge_tool_events"] = events;
  }
  return dump(out);
}

std::string tool_calls_chunk(const ApiRequest& r, const std::string& id, int64_t created,
                             const std::string& model, const std::vector<ToolCall>& calls, bool first) {
  json out = json::parse(completion_chunk(r, id, created, model, "", first, "", nullptr));
  json& delta = out["choices"][0]["delta"];
  delta.erase("content");
  delta["tool_calls"] = tool_calls_json(calls, true);
  return dump(out);
}

std::string tool_event_chunk(const ApiRequest& r, const std::string& id, int64_t created,
                             const std::string& model, const ToolEvent& event) {
  json out = json::parse(completion_chunk(r, id, created, model, "", false, "", nullptr));
  out["llmforge_tool_event"] = tool_event_json(event);
  return dump(out);
}

std::string error_body(const ApiError& e) {
  json err = {{"message", e.what()},
              {"type", e.type},
              {"param", e.param.empty() ? json(nullptr) : json(e.param)},
              {"code", e.code.empty() ? json(nullptr) : json(e.code)}};
  return dump(json{{"error", err}});
}

std::string error_body(int status, const std::string& message) {
  const char* type = status == 401   ? "authentication_error"
                     : status == 404 ? "not_found_error"
                     : status == 413 ? "invalid_request_error"
                     : status == 429 ? "rate_limit_error"
                     : status >= 500 ? "server_error"
                                     : "invalid_request_error";
  return error_body(ApiError(status, type, message));
}

ApiRequest parse_request(const std::string& text, bool chat, const RequestLimits& limits) {
  json body;
  // The last object key the parser passed: a number that overflows a double
  // (1e999) is the client's mistake in that field, not a server error.
  std::string last_key;
  try {
    body = json::parse(text, [&](int, json::parse_event_t ev, json& parsed) {
      if (ev == json::parse_event_t::key) last_key = parsed.get<std::string>();
      return true;
    });
  } catch (const json::out_of_range& e) {
    throw ApiError(400, "invalid_request_error",
                   (last_key.empty() ? std::string("a number") : "'" + last_key + "'") +
                       " is out of range: " + e.what(),
                   last_key);
  } catch (const json::exception& e) {
    throw ApiError(400, "invalid_request_error", std::string("body is not valid JSON: ") + e.what());
  }
  if (!body.is_object()) throw ApiError(400, "invalid_request_error", "body must be a JSON object");
  ApiRequest r;
  r.chat = chat;
  if (body.contains("model") && !body["model"].is_string() && !body["model"].is_null())
    bad("model", "'model' must be a string");
  if (body.contains("model") && body["model"].is_string()) r.model = body["model"].get<std::string>();
  if (chat) {
    if (!body.contains("messages")) bad("messages", "'messages' is required");
    const json& msgs = body["messages"];
    if (!msgs.is_array() || msgs.empty()) bad("messages", "'messages' must be a non-empty array");
    for (size_t i = 0; i < msgs.size(); ++i) {
      const json& m = msgs[i];
      const std::string p = "messages[" + std::to_string(i) + "]";
      if (!m.is_object()) bad(p, "'" + p + "' must be an object");
      if (!m.contains("role") || !m["role"].is_string()) bad(p + ".role", "'" + p + ".role' must be a string");
      std::string role = m["role"].get<std::string>();
      if (role == "developer") role = "system";  // OpenAI's newer name for it
      if (role != "system" && role != "user" && role != "assistant" && role != "tool") {
        bad(p + ".role", "'" + p + ".role' is '" + role + "'; expected system, user, assistant or tool");
      }
      const bool has_calls = role == "assistant" && m.contains("tool_calls") && !m["tool_calls"].is_null();
      // An assistant message that only calls tools has "content": null.
      if (!m.contains("content") || (m["content"].is_null() && !has_calls))
        bad(p + ".content", "'" + p + ".content' is required");
      ChatMessage msg(role, m["content"].is_null() ? std::string() : content_text(m["content"], i));
      if (has_calls) msg.tool_calls = parse_tool_calls(m["tool_calls"], p + ".tool_calls");
      if (role == "tool") {
        if (!m.contains("tool_call_id") || !m["tool_call_id"].is_string())
          bad(p + ".tool_call_id", "'" + p + ".tool_call_id' must be a string");
        msg.tool_call_id = m["tool_call_id"].get<std::string>();
      }
      r.messages.push_back(std::move(msg));
    }
    parse_tools(body, r);
  } else {
    if (!body.contains("prompt")) bad("prompt", "'prompt' is required");
    const json& p = body["prompt"];
    if (p.is_string()) {
      r.prompt = p.get<std::string>();
    } else if (p.is_array() && p.size() == 1 && p[0].is_string()) {
      r.prompt = p[0].get<std::string>();
    } else {
      bad("prompt", "'prompt' must be a string (or an array of one string)");
    }
  }
  if (body.contains("stream") && !body["stream"].is_null()) {
    if (!body["stream"].is_boolean()) bad("stream", "'stream' must be a boolean");
    r.stream = body["stream"].get<bool>();
  }
  if (body.contains("stream_options") && body["stream_options"].is_object()) {
    const json& so = body["stream_options"];
    if (so.contains("include_usage") && so["include_usage"].is_boolean())
      r.include_usage = so["include_usage"].get<bool>();
  }
  if (integer(body, "n", 1, 1, 1) != 1) bad("n", "only n = 1 is supported");
  const char* max_key = body.contains("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
  r.max_tokens = int(integer(body, max_key, 1, limits.max_tokens,
                             std::min(limits.default_max_tokens, limits.max_tokens)));
  SamplerSettings& s = r.sampling;
  s.temperature = number(body, "temperature", 0.0, 2.0, 1.0);
  s.top_p = number(body, "top_p", 1e-9, 1.0, 1.0);
  s.top_k = int(integer(body, "top_k", 0, 1 << 20, 0));
  s.min_p = number(body, "min_p", 0.0, 1.0, 0.0);
  s.repetition_penalty = number(body, "repetition_penalty", 0.01, 10.0, 1.0);
  s.presence_penalty = number(body, "presence_penalty", -2.0, 2.0, 0.0);
  s.frequency_penalty = number(body, "frequency_penalty", -2.0, 2.0, 0.0);
  // Without a seed every request draws differently, as OpenAI's do.
  s.seed = uint64_t(integer(body, "seed", INT64_MIN, INT64_MAX, int64_t(std::random_device{}())));
  if (body.contains("logit_bias") && !body["logit_bias"].is_null()) {
    const json& lb = body["logit_bias"];
    if (!lb.is_object()) bad("logit_bias", "'logit_bias' must be an object of token id -> bias");
    for (auto it = lb.begin(); it != lb.end(); ++it) {
      size_t used = 0;
      long id = -1;
      try {
        id = std::stol(it.key(), &used);
      } catch (...) {
      }
      if (used != it.key().size() || id < 0 || id > INT32_MAX)
        bad("logit_bias", "logit_bias key '" + it.key() + "' is not a token id");
      if (!it.value().is_number() || std::fabs(it.value().get<double>()) > 100.0)
        bad("logit_bias", "logit_bias values must be numbers from -100 to 100");
      s.logit_bias.push_back({int32_t(id), it.value().get<float>()});
    }
  }
  if (body.contains("stop") && !body["stop"].is_null()) {
    const json& st = body["stop"];
    if (st.is_string()) {
      r.stop.push_back(st.get<std::string>());
    } else if (st.is_array() && st.size() <= 4) {
      for (const json& x : st) {
        if (!x.is_string()) bad("stop", "'stop' entries must be strings");
        r.stop.push_back(x.get<std::string>());
      }
    } else {
      bad("stop", "'stop' must be a string or an array of up to 4 strings");
    }
    for (const std::string& x : r.stop)
      if (x.empty()) bad("stop", "'stop' strings must not be empty");
  }
  return r;
}

std::string completion_response(const ApiRequest& r, const std::string& id, int64_t created,
                                const std::string& model, const std::string& text,
                                const std::string& finish_reason, const Usage& usage) {
  json choice = {{"index", 0}, {"finish_reason", finish_reason}, {"logprobs", nullptr}};
  if (r.chat) {
    choice["message"] = {{"role", "assistant"}, {"content", text}};
  } else {
    choice["text"] = text;
  }
  json out = {{"id", id},
              {"object", r.chat ? "chat.completion" : "text_completion"},
              {"created", created},
              {"model", model},
              {"choices", json::array({choice})},
              {"usage",
               {{"prompt_tokens", usage.prompt_tokens},
                {"completion_tokens", usage.completion_tokens},
                {"total_tokens", usage.prompt_tokens + usage.completion_tokens}}}};
  return dump(out);
}

std::string completion_chunk(const ApiRequest& r, const std::string& id, int64_t created,
                             const std::string& model, const std::string& text, bool first,
                             const std::string& finish_reason, const Usage* usage) {
  json choice = {{"index", 0},
                 {"finish_reason", finish_reason.empty() ? json(nullptr) : json(finish_reason)},
                 {"logprobs", nullptr}};
  if (r.chat) {
    json delta = json::object();
    if (first) delta["role"] = "assistant";
    if (!text.empty() || first) delta["content"] = text;
    choice["delta"] = delta;
  } else {
    choice["text"] = text;
  }
  json out = {{"id", id},
              {"object", r.chat ? "chat.completion.chunk" : "text_completion"},
              {"created", created},
              {"model", model},
              {"choices", usage ? json::array() : json::array({choice})}};
  if (usage) {
    out["usage"] = {{"prompt_tokens", usage->prompt_tokens},
                    {"completion_tokens", usage->completion_tokens},
                    {"total_tokens", usage->prompt_tokens + usage->completion_tokens}};
  }
  return dump(out);
}

std::string models_response(const std::string& model, int64_t created) {
  json m = {{"id", model}, {"object", "model"}, {"created", created}, {"owned_by", "llmforge"}};
  return dump(json{{"object", "list"}, {"data", json::array({m})}});
}

}  // namespace llmforge::serve
