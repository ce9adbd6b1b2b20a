// The HTTP layer under `llmforge serve`: cpp-httplib's Server (routing, parsing,
// chunked and keep-alive handling, its read/write timeouts and payload limit), with
// the connection loop replaced so that no client can hold the workers:
//   - a deadline for a whole request head (and another for the body), not only per
//     read, so a client sending one byte every few seconds is dropped;
//   - a cap on connections per client address below the number of workers, so one
//     address never takes them all; over it, 503 and close at once;
//   - a cap on the bytes read for one request, so a body without Content-Length
//     (Transfer-Encoding: chunked) cannot grow past the body limit on any route;
//   - handlers can ask for the connection to close after their response (a stream's
//     end, a body that was refused half-read).
// cpp-httplib 0.11 (Debian 12) has read timeouts per recv() only and applies its
// payload limit to Content-Length bodies only, hence this.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace llmforge::serve {

struct ConnectionLimits {
  int workers = 96;              // connections served at once
  int max_per_client = 0;        // per client address; 0: workers / 2 (at least 1)
  double header_timeout_s = 10;  // the request line and headers must arrive within this
  double body_timeout_s = 30;    // ... and then the body within this
  double io_timeout_s = 30;      // one read or write making no progress
  double keep_alive_s = 5;       // idle time between requests on one connection
  int keep_alive_requests = 100;  // requests per connection
  uint64_t max_request_bytes = 0;  // bytes read for one request after its head; 0: none
};

class HttpServer : public httplib::Server {
 public:
  explicit HttpServer(ConnectionLimits limits);

  // From a handler (or a stream provider) on the worker thread: close the
  // connection once the current response is written.
  static void close_after_response();
  // True when the current request's body was cut off by max_request_bytes (the
  // error handler then answers 413).
  static bool request_too_large();

  int active_connections() const { return active_.load(); }
  uint64_t refused_connections() const { return refused_.load(); }
  const ConnectionLimits& limits() const { return limits_; }

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool admit(const std::string& address);
  void release(const std::string& address);

  ConnectionLimits limits_;
  std::mutex mu_;
  std::map<std::string, int> per_client_;
  std::atomic<int> active_{0};
  std::atomic<uint64_t> refused_{0};
};

}  // namespace llmforge::serve
