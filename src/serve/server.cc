#include "serve/server.h"

#include <httplib.h>

#include <chrono>
#include <ctime>

#include "core/error.h"
#include "core/log.h"
#include "infer/chat_format.h"
#include "tokenizer/special_tokens.h"
#include "serve/http_server.h"
#include "serve/web_assets.h"

namespace llmforge::serve {

namespace {

void send_error(httplib::Response& res, const ApiError& e) {
  res.status = e.status;
  res.set_content(error_body(e), "application/json");
}

// The text after "Bearer ", or empty.
std::string bearer(const httplib::Request& req) {
  const std::string h = req.get_header_value("Authorization");
  return h.rfind("Bearer ", 0) == 0 ? h.substr(7) : std::string();
}

// Compares without an early exit, so the time taken does not reveal the key.
bool same_key(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() != b.size();
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ (i < b.size() ? b[i] : 0);
  return diff == 0;
}

std::string sse(const std::string& data) { return "data: " + data + "\n\n"; }

}  // namespace

Server::Server(std::unique_ptr<Model> model, Tokenizer tokenizer, ServerOptions options)
    : model_(std::move(model)), tok_(std::move(tokenizer)), options_(std::move(options)) {
  if (int64_t(tok_.vocab_size()) > model_->config().vocab_size) {
    ErrorBuilder("serve") << "tokenizer has " << tok_.vocab_size() << " tokens but the model only "
                          << model_->config().vocab_size;
  }
  chat_end_token(tok_);  // throws now, not per request, when chat tokens are missing
  created_ = int64_t(std::time(nullptr));
  scheduler_ = std::make_unique<Scheduler>(*model_, tok_, options_.scheduler);
  ConnectionLimits limits = options_.connections;
  limits.workers = options_.http_threads;
  // Raw bytes, chunk framing included: a backstop for every route. The decoded body
  // is held to max_body_bytes exactly where it is read (read_body).
  limits.max_request_bytes = 2 * uint64_t(options_.max_body_bytes) + 65536;
  http_ = std::make_unique<HttpServer>(limits);
  routes();
}

Server::~Server() { stop(); }

void Server::routes() {
  httplib::Server& s = *http_;
  // Bodies with a Content-Length over the limit are refused (413) before reading.
  s.set_payload_max_length(options_.max_body_bytes);

  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!options_.api_key.empty() && req.path.rfind("/v1/", 0) == 0 &&
        !same_key(bearer(req), options_.api_key)) {
      send_error(res, ApiError(401, "authentication_error",
                               "missing or wrong API key (send Authorization: Bearer KEY)", "",
                               "invalid_api_key"));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Errors httplib produces itself (404, 413, 400 for a broken request line) get an
  // error object too; handlers that already wrote one keep theirs.
  s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req,
                                                             httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (HttpServer::request_too_large()) res.status = 413;
    std::string msg = res.status == 404   ? "no route for " + req.method + " " + req.path
                      : res.status == 413 ? "request body too large"
                      : res.status == 405 ? "method not allowed"
                                          : "bad request";
    res.set_content(error_body(res.status, msg), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                             std::exception_ptr ep) {
    std::string msg = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      msg += std::string(": ") + e.what();
    } catch (...) {
    }
    LLMF_LOG(Error) << "[serve] " << msg;
    res.status = 500;
    res.set_content(error_body(500, msg), "application/json");
  });
  // Counted when the status line is about to go out, not after the body: a client
  // that has its answer (or the first event of a stream) finds it in /metrics.
  s.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    metrics_.record(req.path, res.status);
  });

  for (const WebAsset& a : web_assets()) {
    auto serve_asset = [&a](const httplib::Request&, httplib::Response& res) {
      res.set_content(a.body.data(), a.body.size(), a.content_type);
      res.set_header("Cache-Control", "no-cache");
    };
    s.Get(a.path, serve_asset);
    if (std::string(a.path) == "/index.html") s.Get("/", serve_asset);
  }
  s.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}", "application/json");
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(scheduler_->stats(), http_->active_connections(),
                                    http_->refused_connections()),
                    "text/plain; version=0.0.4");
  });
  s.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(models_response(options_.model_name, created_), "application/json");
  });
  // The body is read here, not by the library, so that the limit holds for a
  // chunked body as it arrives (the library checks only Content-Length).
  auto post = [this](bool chat) {
    return [this, chat](const httplib::Request&, httplib::Response& res,
                        const httplib::ContentReader& reader) {
      std::string body;
      bool too_large = false;
      const bool ok = reader([&](const char* data, size_t n) {
        if (body.size() + n > options_.max_body_bytes) {
          too_large = true;
          return false;
        }
        body.append(data, n);
        return true;
      });
      if (!ok || too_large) {
        HttpServer::close_after_response();  // the rest of the body is still coming
        const bool large = too_large || HttpServer::request_too_large() || res.status == 413;
        send_error(res, large ? ApiError(413, "invalid_request_error",
                                         "request body larger than " +
                                             std::to_string(options_.max_body_bytes) + " bytes")
                              : ApiError(400, "invalid_request_error",
                                         "request body could not be read (broken chunked encoding?)"));
        return;
      }
      handle_completion(body, res, chat);
    };
  };
  s.Post("/v1/chat/completions", post(true));
  s.Post("/v1/completions", post(false));
}

void Server::handle_completion(const std::string& body, httplib::Response& res, bool chat) {
  ApiRequest ar;
  GenerationRequest g;
  JobTools tools;
  try {
    ar = parse_request(body, chat, options_.limits);
    if (!ar.model.empty() && ar.model != options_.model_name) {
      throw ApiError(404, "invalid_request_error",
                     "the model '" + ar.model + "' does not exist; this server serves '" +
                         options_.model_name + "' (GET /v1/models)",
                     "model", "model_not_found");
    }
    if (chat) {
      g.prompt = render_chat(tok_, ar.messages, true).tokens;
      // <|bos|> would open a new document: the reply is over either way.
      g.stop_tokens = {chat_end_token(tok_), int32_t(tok_.bos_id())};
      // Tool calls: the client's tools when it sent some (it runs them), else the
      // server's own search (serve --index), else an error result for any call.
      if (auto call = tok_.special_token_id(special::kToolCall)) {
        tools.enabled = true;
        tools.client = !ar.tools.empty() && ar.tool_choice != "none";
        if (ar.tool_choice == "none") {
          ar.sampling.logit_bias.push_back({int32_t(*call), -100.0f});  // the model never opens a call
        } else if (ar.tool_choice != "auto") {
          tools.force_call = true;  // "required" or a named function: the reply starts with a call
          g.prompt.push_back(int32_t(*call));
        }
      }
    } else {
      g.prompt = {int32_t(tok_.bos_id())};
      for (uint32_t id : tok_.encode(ar.prompt, AllowedSpecial::as_text()))
        g.prompt.push_back(int32_t(id));
    }
    const int ctx = scheduler_->max_len();
    if (int(g.prompt.size()) >= ctx) {
      throw ApiError(400, "invalid_request_error",
                     "the prompt is " + std::to_string(g.prompt.size()) +
                         " tokens; this model's context is " + std::to_string(ctx) + " tokens",
                     chat ? "messages" : "prompt", "context_length_exceeded");
    }
    for (auto [id, b] : ar.sampling.logit_bias) {
      if (id >= model_->config().vocab_size)
        throw ApiError(400, "invalid_request_error",
                       "logit_bias token " + std::to_string(id) + " is outside the vocabulary",
                       "logit_bias");
    }
  } catch (const ApiError& e) {
    send_error(res, e);
    return;
  } catch (const Error& e) {
    send_error(res, ApiError(400, "invalid_request_error", e.what()));
    return;
  }
  g.sampling = ar.sampling;
  g.max_new_tokens = ar.max_tokens;
  g.stop_strings = ar.stop;
  std::shared_ptr<Job> job = scheduler_->submit(std::move(g), tools);
  if (!job) {
    metrics_.record_rejected();
    res.set_header("Retry-After", "1");
    send_error(res, ApiError(503, "server_error", "the server is busy (request queue full); retry",
                             "", "server_overloaded"));
    return;
  }
  const std::string id = (chat ? "chatcmpl-" : "cmpl-") + std::to_string(next_id_++);
  const int64_t created = int64_t(std::time(nullptr));
  const std::string model = options_.model_name;

  if (!ar.stream) {
    std::vector<std::string> pieces;
    std::vector<ToolEvent> events;
    auto take_events = [&] {
      for (ToolEvent& e : job->take_events()) events.push_back(std::move(e));
    };
    // Generation is bounded by max_tokens (and the scheduler fails jobs on stop), so
    // this ends.
    while (!job->wait_take(pieces, std::chrono::milliseconds(200))) take_events();
    take_events();
    std::string text;
    for (const std::string& p : pieces) text += p;
    if (!job->error().empty()) {
      send_error(res, ApiError(job->error_status(), job->error_status() >= 500 ? "server_error"
                                                                             : "invalid_request_error",
                               job->error()));
      return;
    }
    const Usage usage{job->prompt_tokens(), job->completion_tokens()};
    const std::vector<ToolCall> calls = job->tool_calls();
    res.set_content(chat && (!calls.empty() || !events.empty())
                        ? chat_response_with_tools(ar, id, created, model, text, job->finish_reason(), usage,
                                                   calls, events)
                        : completion_response(ar, id, created, model, text, job->finish_reason(), usage),
                    "application/json");
    return;
  }

  res.set_header("Cache-Control", "no-cache");
  // A stream ends its connection. node-fetch (under the openai 4.x client) reports
  // "Premature close" for a chunked response whose kept-alive socket has a 'data'
  // listener when the response closes, and Node versions with the free-socket data
  // guard (Debian 12's nodejs 18.20.4+dfsg-1~deb12u3, Node 24.17) attach one as
  // soon as the socket returns to the pool. A closed connection never goes there.
  res.set_header("Connection", "close");
  HttpServer::close_after_response();
  auto first = std::make_shared<bool>(true);
  res.set_chunked_content_provider(
      "text/event-stream",
      [job, first, ar, id, created, model](size_t, httplib::DataSink& sink) {
        std::vector<std::string> pieces;
        const bool done = job->wait_take(pieces, std::chrono::milliseconds(100));
        if (!sink.is_writable()) {
          job->cancelled = true;
          return false;
        }
        std::string out;
        if (*first && pieces.empty()) pieces.push_back("");  // the role comes first
        for (const std::string& text : pieces) {
          out += sse(completion_chunk(ar, id, created, model, text, *first, "", nullptr));
          *first = false;
        }
        for (const ToolEvent& e : job->take_events()) out += sse(tool_event_chunk(ar, id, created, model, e));
        if (done) {
          if (!job->error().empty()) {
            out += sse(error_body(job->error_status(), job->error()));
          } else {
            const std::vector<ToolCall> calls = job->tool_calls();
            if (!calls.empty()) out += sse(tool_calls_chunk(ar, id, created, model, calls, false));
            out += sse(completion_chunk(ar, id, created, model, "", false, job->finish_reason(),
                                        nullptr));
            if (ar.include_usage) {
              Usage u{job->prompt_tokens(), job->completion_tokens()};
              out += sse(completion_chunk(ar, id, created, model, "", false, "", &u));
            }
          }
          out += "data: [DONE]\n\n";
        }
        if (!out.empty() && !sink.write(out.data(), out.size())) {
          job->cancelled = true;
          return false;
        }
        if (done) sink.done();
        return true;
      },
      [job](bool) { job->cancelled = true; });  // no-op when it already finished
}

int Server::start() {
  if (options_.port < 0 || options_.port > 65535)
    ErrorBuilder("serve") << "port " << options_.port << " outside 0..65535";
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.host);
  } else {
    port_ = http_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    ErrorBuilder("serve") << "cannot listen on " << options_.host << ":" << options_.port
                          << " (address in use, or not a local address?)";
  }
  listen_thread_ = std::thread([this] { http_->listen_after_bind(); });
  return port_;
}

void Server::wait() {
  if (listen_thread_.joinable()) listen_thread_.join();
}

void Server::stop() {
  // The scheduler first: it fails the running jobs, so streaming handlers finish and
  // the HTTP thread pool can drain.
  if (scheduler_) scheduler_->stop();
  if (http_) http_->stop();
  if (listen_thread_.joinable()) listen_thread_.join();
}

}  // namespace llmforge::serve
