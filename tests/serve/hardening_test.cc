// Hostile and careless clients against a running server over loopback: a chunked
// body past the limit, clients that send their headers one byte at a time, too many
// connections from one address, numbers that overflow, an unknown model, and /metrics
// read while a stream is still running. Every wait is bounded.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "server_fixture.h"

namespace llmforge {
namespace {

using nlohmann::json;

// A TCP connection to 127.0.0.1:port from `source` (another loopback address is
// another client as far as the server can tell). -1 when it fails.
int connect_from(int port, const char* source = "127.0.0.1") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &src.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
    ::close(fd);
    return -1;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += size_t(n);
  }
  return true;
}

// Reads until the peer closes or `timeout_s` passes.
std::string read_all(int fd, double timeout_s) {
  std::string out;
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(int(timeout_s * 1000));
  char buf[4096];
  for (;;) {
    int ms = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                     until - std::chrono::steady_clock::now())
                     .count());
    pollfd p{fd, POLLIN, 0};
    if (ms <= 0 || ::poll(&p, 1, ms) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, size_t(n));
  }
  return out;
}

int status_of(const std::string& response) {
  return response.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(response.c_str() + 9) : -1;
}

// GET /health from `source` on a fresh connection; the status, -1 on no answer.
int health_from(int port, const char* source) {
  int fd = connect_from(port, source);
  if (fd < 0) return -1;
  send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  int st = status_of(read_all(fd, 10));
  ::close(fd);
  return st;
}

// A chunked POST of `total` bytes in 64 KiB chunks; returns what the server said.
std::string post_chunked(int port, const std::string& path, size_t total) {
  int fd = connect_from(port);
  send_all(fd, "POST " + path +
                   " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n");
  const std::string piece(65536, ' ');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
  for (size_t sent = 0; sent < total; sent += piece.size()) {
    // The server stops reading (and closes) once over the limit: sends then fail.
    if (!send_all(fd, size_line + piece + "\r\n")) break;
  }
  send_all(fd, "0\r\n\r\n");
  std::string r = read_all(fd, 20);
  ::close(fd);
  return r;
}

TEST(ServerHardening, ChunkedBodyOverTheLimitIsRefusedWhileItArrives) {
  serve::ServerOptions o;
  o.max_body_bytes = 64 * 1024;
  auto s = testing::start_server(o);
  // 10 MB: refused with 413 after at most the limit, on the API and on any other route.
  std::string r = post_chunked(s->port(), "/v1/completions", 10 << 20);
  EXPECT_EQ(status_of(r), 413) << r.substr(0, 300);
  EXPECT_NE(r.find("larger than 65536 bytes"), std::string::npos) << r.substr(0, 300);
  r = post_chunked(s->port(), "/no/such/route", 10 << 20);
  EXPECT_EQ(status_of(r), 413) << r.substr(0, 300);
  // A chunked body within the limit is read and answered as usual.
  int fd = connect_from(s->port());
  const std::string body = R"({"prompt":"the cat","max_tokens":2})";
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", body.size());
  send_all(fd, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               "Transfer-Encoding: chunked\r\n\r\n" + std::string(size_line) + body + "\r\n0\r\n\r\n");
  r = read_all(fd, 30);
  ::close(fd);
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(health_from(s->port(), "127.0.0.1"), 200);
}

TEST(ServerHardening, SlowHeadersAreCutOffAndOneAddressCannotTakeAllWorkers) {
  serve::ServerOptions o;
  o.http_threads = 4;  // so at most 2 connections per address
  o.connections.header_timeout_s = 1;
  auto s = testing::start_server(o);
  const int port = s->port();
  // Six clients that each send one header byte every 100 ms (a full head would take
  // 8 s, the header deadline is 1 s), as in a slowloris attack.
  std::vector<int> slow;
  for (int i = 0; i < 6; ++i) slow.push_back(connect_from(port));
  std::vector<bool> closed(slow.size(), false), refused(slow.size(), false);
  const std::string head = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(40, 'a');
  int health_other = 0, health_same_after = 0;
  for (size_t b = 0; b < head.size(); ++b) {
    for (size_t i = 0; i < slow.size(); ++i) {
      if (closed[i]) continue;
      pollfd p{slow[i], POLLIN, 0};
      if (::poll(&p, 1, 0) > 0) {  // the server answered (503) or closed
        std::string r = read_all(slow[i], 1);
        refused[i] = status_of(r) == 503;
        closed[i] = true;
        continue;
      }
      if (!send_all(slow[i], head.substr(b, 1))) closed[i] = true;
    }
    // While they hold their workers, another address is still served.
    if (b == 5) health_other = health_from(port, "127.0.0.2");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  int n_refused = 0, n_closed = 0;
  for (size_t i = 0; i < slow.size(); ++i) {
    n_refused += refused[i];
    n_closed += closed[i];
    ::close(slow[i]);
  }
  health_same_after = health_from(port, "127.0.0.1");
  EXPECT_EQ(health_other, 200) << "/health from another address while slow clients held workers";
  EXPECT_EQ(n_refused, 4) << "connections over the per-address cap get 503 at once";
  EXPECT_EQ(n_closed, 6) << "slow clients are cut off at the header deadline, long before their 8 s head is done";
  EXPECT_EQ(health_same_after, 200) << "the slow clients' address is served again afterwards";
  auto met = testing::client(port).Get("/metrics");
  ASSERT_TRUE(met);
  EXPECT_NE(met->body.find("llmforge_connections_refused_total 4"), std::string::npos) << met->body;
}

TEST(ServerHardening, OverflowingNumbersAndUnknownModelsAreTheClientsMistake) {
  auto s = testing::start_server({});
  auto c = testing::client(s->port());
  auto r = c.Post("/v1/completions", R"({"prompt":"x","temperature":1e999})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  json e = json::parse(r->body);
  EXPECT_EQ(e["error"]["param"], "temperature") << r->body;
  EXPECT_EQ(e["error"]["type"], "invalid_request_error");
  r = c.Post("/v1/chat/completions",
             R"({"model":"no-such-model","messages":[{"role":"user","content":"hi"}]})",
             "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404) << r->body;
  e = json::parse(r->body);
  EXPECT_EQ(e["error"]["code"], "model_not_found");
  EXPECT_EQ(e["error"]["param"], "model");
  // The served model's own name (GET /v1/models) is accepted.
  r = c.Post("/v1/completions", R"({"model":"llmforge","prompt":"x","max_tokens":1})",
             "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

// /metrics counts a request as soon as its client can see the answer: here the
// first event of a stream that is still running, queued behind others for the one
// decoding slot (it used to be counted only once the stream had ended).
// One try: eight sampled requests hold and queue for the single decoding slot, then a
// stream queues behind them; /metrics is read as soon as the stream's status arrives.
// Returns whether the stream was still queued then (the fillers sample at temperature
// 1 and may end early on a stop token, which leaves nothing to check).
bool metrics_seen_while_stream_queued(std::string* metrics) {
  serve::ServerOptions o;
  o.limits.max_tokens = 250;
  o.scheduler.max_batch = 1;
  auto s = testing::start_server(o);
  const std::string fill = R"({"prompt":"the cat","max_tokens":250,"temperature":1})";
  std::vector<int> fillers;
  for (int i = 0; i < 8; ++i) {
    fillers.push_back(connect_from(s->port()));
    send_all(fillers.back(), "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                 std::to_string(fill.size()) + "\r\n\r\n" + fill);
  }
  // Until all of them wait for (or hold) the slot, so the stream queues behind them.
  auto c = testing::client(s->port());
  for (int i = 0; i < 200; ++i) {
    auto m = c.Get("/metrics");
    if (m && m->body.find("llmforge_queue_length 7") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  int fd = connect_from(s->port());
  const std::string body = R"({"messages":[{"role":"user","content":"hi"}],"stream":true})";
  send_all(fd, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body);
  std::string got;
  char buf[4096];
  while (got.find("data: ") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 30000) <= 0) ADD_FAILURE() << "no first event";
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      ADD_FAILURE() << "connection closed before the first event";
      break;
    }
    got.append(buf, size_t(n));
  }
  EXPECT_EQ(status_of(got), 200);
  auto met = c.Get("/metrics");
  const bool finished = met && met->body.find("llmforge_queue_length 0") != std::string::npos &&
                        met->body.find("llmforge_active_sequences 0") != std::string::npos;
  ::close(fd);
  for (int f : fillers) ::close(f);
  *metrics = met ? met->body : "";
  return !finished;
}

TEST(ServerHardening, MetricsCountARequestOnceItsClientHasTheStatus) {
  std::string metrics;
  bool queued = false;
  for (int attempt = 0; attempt < 5 && !queued; ++attempt) queued = metrics_seen_while_stream_queued(&metrics);
  // The check below only means something while the stream is still queued.
  ASSERT_TRUE(queued) << "in 5 tries the stream had always finished before /metrics was read:\n" << metrics;
  EXPECT_NE(metrics.find("llmforge_requests_total{path=\"/v1/chat/completions\",code=\"200\"} 1"), std::string::npos)
      << metrics;
}

}  // namespace
}  // namespace llmforge
