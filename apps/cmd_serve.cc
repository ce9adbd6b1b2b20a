// `llmforge serve --model DIR`: the OpenAI-compatible HTTP server and web chat page
// (src/serve/server.h). Listens on 127.0.0.1 unless told otherwise; stops cleanly on
// SIGINT/SIGTERM. With --index DIR the server runs the model's search calls itself,
// so a plain client gets answers grounded in search.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "model/model_io.h"
#include "search/search_tool.h"
#include "serve/server.h"

namespace llmforge {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int run_serve(int argc, char** argv) {
  CliOptions opts("llmforge serve --model DIR [options]",
                  "Serves a model over HTTP: OpenAI-compatible /v1/chat/completions and\n"
                  "/v1/completions (streamed with SSE or not), /v1/models, /health, /metrics,\n"
                  "and a chat page at /. Concurrent requests are decoded together in batches.");
  opts.add("model", "", "model directory (config.json, model.safetensors, tokenizer.json)")
      .add("host", "127.0.0.1", "address to listen on (0.0.0.0 exposes it to the network)")
      .add("port", "8080", "TCP port (0: any free port, printed at start)")
      .add("api-key", "", "require 'Authorization: Bearer KEY' on /v1/ (empty: env LLMFORGE_API_KEY, else none)")
      .add("model-name", "", "model id reported by the API (empty: the directory's name)")
      .add("max-batch", "32", "sequences decoded together (KV-cache slots)")
      .add("max-queue", "64", "requests waiting for a slot before answering 503")
      .add("max-body", "1048576", "largest request body in bytes (413 above)")
      .add("max-tokens", "1024", "largest max_tokens a request may ask for")
      .add("default-max-tokens", "256", "max_tokens when a request gives none")
      .add("context", "0", "context per sequence in tokens (0: the model's)")
      .add("http-threads", "96", "connections served at once")
      .add("max-client-connections", "0",
           "connections one client address may hold (0: half of --http-threads)")
      .add("header-timeout", "10", "seconds a client has to send a request's headers")
      .add("body-timeout", "30", "seconds a client then has to send the body");
  add_precision_option(opts);
  add_tool_options(opts);
  add_weights_option(opts);
  if (!opts.parse(argc, argv)) return 0;
  const std::string dir = opts.get("model");
  if (dir.empty()) ErrorBuilder("cli") << "--model DIR is required";
  serve::ServerOptions so;
  so.host = opts.get("host");
  so.port = int(opts.get_int("port"));
  so.api_key = opts.get("api-key");
  if (so.api_key.empty() && std::getenv("LLMFORGE_API_KEY")) so.api_key = std::getenv("LLMFORGE_API_KEY");
  so.model_name = opts.get("model-name");
  if (so.model_name.empty())
    so.model_name = std::filesystem::path(dir).lexically_normal().filename().string();
  if (so.model_name.empty()) so.model_name = "llmforge";
  so.scheduler.max_batch = int(opts.get_int("max-batch"));
  so.scheduler.max_queue = int(opts.get_int("max-queue"));
  so.scheduler.max_len = int(opts.get_int("context"));
  so.scheduler.weights = weights_from_options(opts);
  so.max_body_bytes = size_t(opts.get_int("max-body"));
  so.limits.max_tokens = int(opts.get_int("max-tokens"));
  so.limits.default_max_tokens = int(opts.get_int("default-max-tokens"));
  so.http_threads = int(opts.get_int("http-threads"));
  so.connections.max_per_client = int(opts.get_int("max-client-connections"));
  so.connections.header_timeout_s = opts.get_double("header-timeout");
  so.connections.body_timeout_s = opts.get_double("body-timeout");
  if (so.connections.max_per_client < 0 || !(so.connections.header_timeout_s > 0) ||
      !(so.connections.body_timeout_s > 0)) {
    ErrorBuilder("cli") << "--max-client-connections must not be negative, --header-timeout and "
                           "--body-timeout must be positive";
  }
  if (so.scheduler.max_batch <= 0 || so.scheduler.max_queue < 0 || so.limits.max_tokens <= 0 ||
      so.limits.default_max_tokens <= 0 || so.http_threads <= 0 || so.scheduler.max_len < 0) {
    ErrorBuilder("cli") << "--max-batch, --max-tokens, --default-max-tokens and --http-threads "
                           "must be positive; --max-queue and --context not negative";
  }
  so.scheduler.tools = tool_settings_from_options(opts);
  std::unique_ptr<search::SearchIndex> index;  // outlives the server (declared first)
  if (!opts.get("index").empty()) {
    index = std::make_unique<search::SearchIndex>(opts.get("index"));
    so.scheduler.search = search::make_search_runner(*index, search_k_from_options(opts));
  }
  auto model = load_model(dir, precision_from_options(opts));
  Tokenizer tok = Tokenizer::load(dir);
  serve::Server server(std::move(model), std::move(tok), so);
  const int port = server.start();
  std::printf("llmforge serve: model %s on http://%s:%d/ (batch %d, queue %d%s%s)\n",
              so.model_name.c_str(), so.host.c_str(), port, so.scheduler.max_batch,
              so.scheduler.max_queue, so.api_key.empty() ? "" : ", API key required",
              index ? (", search over " + std::to_string(index->documents()) + " documents").c_str() : "");
  std::fflush(stdout);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::printf("llmforge serve: stopping\n");
  server.stop();
  return 0;
}

const bool kRegistered = register_command(
    {"serve", "OpenAI-compatible HTTP server with a web chat page", run_serve});

}  // namespace
}  // namespace llmforge
