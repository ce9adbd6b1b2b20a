// `llmforge serve`: an OpenAI-compatible HTTP/1.1 server over one model.
//   POST /v1/chat/completions, POST /v1/completions (streamed with SSE or not),
//   GET /v1/models, GET /health, GET /metrics (Prometheus), GET / (the chat page).
// Requests are parsed and checked on the HTTP thread (400 naming the field), then
// queued to the Scheduler, which decodes all active requests in one batch. Limits:
// body size (413), max_tokens and context length (400), an optional API key (401),
// queue length (503). Every error is an OpenAI-style error object, and any exception
// in a handler becomes a 500 for that request only. Connections are handled by
// HttpServer (http_server.h): deadlines, per-client caps, bounded bodies.
//
// Lifetime: start() binds and serves on a background thread; stop() (or the
// destructor) ends in-flight streams and joins everything.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "model/model.h"
#include "serve/http_server.h"
#include "serve/metrics.h"
#include "serve/openai_api.h"
#include "serve/scheduler.h"
#include "tokenizer/tokenizer.h"

namespace llmforge::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see Server::port())
  std::string api_key;  // empty: no authentication
  size_t max_body_bytes = 1 << 20;
  int http_threads = 96;  // connections served at once (streams hold one each)
  ConnectionLimits connections;  // deadlines and per-client caps (workers: http_threads)
  std::string model_name = "llmforge";
  RequestLimits limits;
  SchedulerOptions scheduler;
};

class Server {
 public:
  Server(std::unique_ptr<Model> model, Tokenizer tokenizer, ServerOptions options);
  ~Server();

  // Binds (throws Error("serve") when it cannot) and starts serving; returns the port.
  int start();
  int port() const { return port_; }
  // Blocks until stop() is called from another thread or a signal handler path.
  void wait();
  void stop();

 private:
  void routes();
  void handle_completion(const std::string& body, httplib::Response& res, bool chat);

  std::unique_ptr<Model> model_;
  Tokenizer tok_;
  ServerOptions options_;
  std::unique_ptr<Scheduler> scheduler_;
  Metrics metrics_;
  std::unique_ptr<HttpServer> http_;
  std::thread listen_thread_;
  int port_ = 0;
  int64_t created_ = 0;
  std::atomic<int64_t> next_id_{0};
};

}  // namespace llmforge::serve
