#include "serve/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace llmforge::serve {

namespace {

using Clock = std::chrono::steady_clock;

// Per worker thread: set by handlers and the stream, read by the connection loop.
thread_local bool t_close_after = false;
thread_local bool t_too_large = false;

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// Milliseconds until `t`, at least 0, at most `cap_ms`.
int ms_until(Clock::time_point t, int cap_ms) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
  return int(std::clamp<long long>(ms, 0, cap_ms));
}

bool wait_fd(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  int r = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
               : ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ip.clear();
  port = 0;
  if (r != 0) return;
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

// One connection's socket as cpp-httplib's Stream, kept for the whole connection
// (so bytes of a pipelined next request stay in its buffer). Reads fail once the
// current deadline has passed or the request's byte budget is spent.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int fd, const ConnectionLimits& limits)
      : fd_(fd), io_ms_(int(limits.io_timeout_s * 1000)) {}

  bool is_readable() const override { return pos_ < len_ || wait_fd(fd_, POLLIN, io_ms_); }
  bool is_writable() const override { return wait_fd(fd_, POLLOUT, io_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (budget_ == 0) {
      // The request wants more than it may send: refuse it, and close after the
      // answer, because the rest of its body is still on the wire.
      t_too_large = t_close_after = true;
      return -1;
    }
    if (pos_ == len_) {
      // The deadline holds however the bytes trickle in.
      if (Clock::now() >= deadline_) {
        t_close_after = true;
        return -1;
      }
      if (!wait_fd(fd_, POLLIN, std::min(io_ms_, ms_until(deadline_, io_ms_)))) return -1;
      ssize_t n = ::recv(fd_, buf_, sizeof buf_, 0);
      if (n <= 0) return -1;
      pos_ = 0;
      len_ = size_t(n);
    }
    size_t n = std::min({size, len_ - pos_, size_t(std::min<uint64_t>(budget_, SIZE_MAX))});
    std::memcpy(ptr, buf_ + pos_, n);
    pos_ += n;
    budget_ -= n;
    return ssize_t(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    return ::send(fd_, ptr, size, MSG_NOSIGNAL);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(fd_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(fd_, false, ip, port);
  }
  socket_t socket() const override { return fd_; }

  // Reads from now on must finish by `deadline` and take at most `budget` bytes.
  void limit_reads(Clock::time_point deadline, uint64_t budget) {
    deadline_ = deadline;
    budget_ = budget;
  }

  // Waits until a next request starts (true) or the connection idles out, the
  // peer closes or the server stops (false).
  bool wait_for_request(Clock::duration idle, const std::atomic<socket_t>& listening) {
    if (pos_ < len_) return true;
    const Clock::time_point until = Clock::now() + idle;
    while (listening != INVALID_SOCKET) {
      // Short slices, so that stop() does not wait for idle connections.
      if (wait_fd(fd_, POLLIN, std::min(100, ms_until(until, 100)))) return true;
      if (Clock::now() >= until) return false;
    }
    return false;
  }

 private:
  int fd_;
  int io_ms_;
  Clock::time_point deadline_ = Clock::time_point::max();
  uint64_t budget_ = UINT64_MAX;
  char buf_[16384];
  size_t pos_ = 0, len_ = 0;
};

// Sends what we have to say, then reads (and drops) what the client is still
// sending for a moment before closing: closing a socket with unread input makes the
// kernel send a reset, which can destroy the response before the client reads it.
void lingering_close(int fd, int wait_ms) {
  ::shutdown(fd, SHUT_WR);
  const Clock::time_point until = Clock::now() + std::chrono::milliseconds(wait_ms);
  char sink[4096];
  size_t drained = 0;
  while (drained < (1u << 20) && wait_fd(fd, POLLIN, ms_until(until, wait_ms))) {
    ssize_t n = ::recv(fd, sink, sizeof sink, 0);
    if (n <= 0) break;
    drained += size_t(n);
  }
  ::close(fd);
}

void send_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size() && wait_fd(fd, POLLOUT, 1000)) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += size_t(n);
  }
}

}  // namespace

HttpServer::HttpServer(ConnectionLimits limits) : limits_(limits) {
  if (limits_.max_per_client <= 0) limits_.max_per_client = std::max(1, limits_.workers / 2);
  // The library's own settings, used where its code still reads them.
  set_read_timeout(std::chrono::milliseconds(int64_t(limits_.io_timeout_s * 1000)));
  set_write_timeout(std::chrono::milliseconds(int64_t(limits_.io_timeout_s * 1000)));
  set_keep_alive_max_count(size_t(std::max(1, limits_.keep_alive_requests)));
  set_keep_alive_timeout(time_t(std::max(1.0, limits_.keep_alive_s)));
  const int workers = limits_.workers;
  new_task_queue = [workers] { return new httplib::ThreadPool(size_t(workers)); };
}

void HttpServer::close_after_response() { t_close_after = true; }
bool HttpServer::request_too_large() { return t_too_large; }

bool HttpServer::admit(const std::string& address) {
  std::lock_guard<std::mutex> lk(mu_);
  int& n = per_client_[address];
  if (n >= limits_.max_per_client) {
    if (n == 0) per_client_.erase(address);
    return false;
  }
  ++n;
  ++active_;
  return true;
}

void HttpServer::release(const std::string& address) {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = per_client_.find(address);
  if (it != per_client_.end() && --it->second <= 0) per_client_.erase(it);
  --active_;
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  std::string address;
  int port = 0;
  address_of(sock, true, address, port);
  if (!admit(address)) {
    ++refused_;
    const std::string body =
        "{\"error\":{\"message\":\"too many connections from " + address +
        "; retry\",\"type\":\"server_error\",\"param\":null,\"code\":\"too_many_connections\"}}";
    send_all(sock, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                   "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body);
    lingering_close(sock, 100);  // short: refusing must not keep a worker busy
    return false;
  }
  ConnectionStream strm(sock, limits_);
  bool ret = false;
  int left = std::max(1, limits_.keep_alive_requests);
  const uint64_t budget = limits_.max_request_bytes ? limits_.max_request_bytes : UINT64_MAX;
  while (left > 0 && strm.wait_for_request(seconds(limits_.keep_alive_s), svr_sock_)) {
    // The head must arrive by the header deadline; what the head may say about the
    // body is checked by the library, the body's time and size here.
    strm.limit_reads(Clock::now() + seconds(limits_.header_timeout_s), UINT64_MAX);
    t_close_after = t_too_large = false;
    bool closed = false;
    ret = process_request(strm, left == 1, closed, [&](httplib::Request&) {
      strm.limit_reads(Clock::now() + seconds(limits_.body_timeout_s), budget);
    });
    if (!ret || closed || t_close_after) break;
    --left;
  }
  lingering_close(sock, 500);
  release(address);
  return ret;
}

}  // namespace llmforge::serve
