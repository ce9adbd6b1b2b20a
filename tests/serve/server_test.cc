// The HTTP server: OpenAI-shaped responses, SSE streams, limits and error objects, a
// battery of malformed requests that must each get a clean error (and leave the
// server healthy), and 32 concurrent clients that must each get their own reply.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "server_fixture.h"

namespace llmforge {
namespace {

using nlohmann::json;
using testing::client;

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    serve::ServerOptions o;
    o.max_body_bytes = 64 * 1024;
    o.limits.max_tokens = 64;
    o.limits.default_max_tokens = 16;
    server_ = testing::start_server(o).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->port(); }
  static serve::Server* server_;
};
serve::Server* ServerTest::server_ = nullptr;

json post_json(int port, const std::string& path, const json& body, int* status) {
  auto c = client(port);
  auto r = c.Post(path.c_str(), body.dump(), "application/json");
  if (!r) {
    *status = -1;
    return json();
  }
  *status = r->status;
  return json::parse(r->body, nullptr, false);
}

// One HTTP/1.1 request on its own connection (Connection: close), read to EOF, over
// plain sockets: what the concurrency test uses, so that nothing is shared between
// its clients. Returns the status (-1 when the connection failed) and the body
// (chunked transfer decoded).
int raw_post(int port, const std::string& path, const std::string& body, std::string* out) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  const std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                          "Content-Type: application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != ssize_t(req.size())) {
    ::close(fd);
    return -1;
  }
  std::string resp;
  char buf[8192];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) resp.append(buf, size_t(n));
  ::close(fd);
  const size_t head_end = resp.find("\r\n\r\n");
  if (resp.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return -1;
  const int status = std::atoi(resp.c_str() + 9);
  std::string head = resp.substr(0, head_end), payload = resp.substr(head_end + 4);
  if (head.find("Transfer-Encoding: chunked") == std::string::npos) {
    *out = payload;
    return status;
  }
  out->clear();
  for (size_t at = 0;;) {
    const size_t eol = payload.find("\r\n", at);
    if (eol == std::string::npos) return -1;
    const size_t len = std::stoul(payload.substr(at, eol - at), nullptr, 16);
    if (len == 0) break;
    out->append(payload, eol + 2, len);
    at = eol + 2 + len + 2;
  }
  return status;
}

// Collects the data lines of an SSE response.
std::vector<std::string> sse_events(const std::string& body) {
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = body.find("data: ", at)) != std::string::npos) {
    size_t end = body.find("\n\n", at);
    out.push_back(body.substr(at + 6, end - at - 6));
    at = end;
  }
  return out;
}

TEST_F(ServerTest, HealthModelsAndMetrics) {
  auto c = client(port());
  auto h = c.Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  auto m = c.Get("/v1/models");
  ASSERT_TRUE(m);
  json models = json::parse(m->body);
  EXPECT_EQ(models["object"], "list");
  EXPECT_EQ(models["data"][0]["object"], "model");
  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("<textarea id=\"system\""), std::string::npos);
  EXPECT_TRUE(c.Get("/chat.js") && c.Get("/style.css"));
  int st = 0;
  post_json(port(), "/v1/completions", {{"prompt", "the cat"}, {"max_tokens", 4}}, &st);
  auto met = c.Get("/metrics");
  ASSERT_TRUE(met);
  for (const char* name :
       {"llmforge_requests_total{path=\"/v1/completions\",code=\"200\"}", "llmforge_tokens_per_second",
        "llmforge_queue_length", "llmforge_completion_tokens_total"}) {
    EXPECT_NE(met->body.find(name), std::string::npos) << name << "\n" << met->body;
  }
}

TEST_F(ServerTest, ChatCompletionStreamedEqualsUnstreamed) {
  json body = {{"model", "llmforge"},
               {"messages", {{{"role", "system"}, {"content", "You are terse."}},
                             {{"role", "user"}, {"content", "hello world"}}}},
               {"temperature", 0},
               {"max_tokens", 24}};
  int st = 0;
  json full = post_json(port(), "/v1/chat/completions", body, &st);
  ASSERT_EQ(st, 200) << full.dump();
  EXPECT_EQ(full["object"], "chat.completion");
  EXPECT_EQ(full["choices"][0]["message"]["role"], "assistant");
  const std::string text = full["choices"][0]["message"]["content"];
  const std::string finish = full["choices"][0]["finish_reason"];
  EXPECT_TRUE(finish == "stop" || finish == "length") << finish;
  EXPECT_GT(full["usage"]["prompt_tokens"].get<int>(), 5);
  EXPECT_GT(full["usage"]["completion_tokens"].get<int>(), 0);

  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  auto c = client(port());
  auto r = c.Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/event-stream"), std::string::npos);
  auto events = sse_events(r->body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string streamed, last_finish;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    json e = json::parse(events[i]);
    EXPECT_EQ(e["object"], "chat.completion.chunk");
    if (e["choices"].empty()) {
      EXPECT_EQ(e["usage"]["completion_tokens"], full["usage"]["completion_tokens"]);
      continue;
    }
    const json& ch = e["choices"][0];
    if (ch["delta"].contains("content")) streamed += ch["delta"]["content"].get<std::string>();
    if (!ch["finish_reason"].is_null()) last_finish = ch["finish_reason"];
  }
  EXPECT_EQ(streamed, text);
  EXPECT_EQ(last_finish, finish);
}

TEST_F(ServerTest, CompletionHonoursStopAndSeed) {
  int st = 0;
  json a = post_json(port(), "/v1/completions",
                     {{"prompt", "the model"}, {"max_tokens", 20}, {"seed", 5}, {"temperature", 1.0}}, &st);
  ASSERT_EQ(st, 200) << a.dump();
  json b = post_json(port(), "/v1/completions",
                     {{"prompt", "the model"}, {"max_tokens", 20}, {"seed", 5}, {"temperature", 1.0}}, &st);
  EXPECT_EQ(a["choices"][0]["text"], b["choices"][0]["text"]);  // same seed, same text
  const std::string text = a["choices"][0]["text"];
  // A stop string of two printable ASCII characters from the middle of the text (a
  // random model also writes odd bytes; a stop string must be valid UTF-8).
  size_t at = 1;
  while (at + 2 < text.size() && !(std::isalpha((unsigned char)text[at]) &&
                                   std::isalpha((unsigned char)text[at + 1]))) {
    ++at;
  }
  if (at + 2 < text.size()) {
    const std::string stop = text.substr(at, 2);
    json c = post_json(port(), "/v1/completions",
                       {{"prompt", "the model"}, {"max_tokens", 20}, {"seed", 5},
                        {"temperature", 1.0}, {"stop", {stop}}}, &st);
    EXPECT_EQ(c["choices"][0]["text"], text.substr(0, text.find(stop)));
    EXPECT_EQ(c["choices"][0]["finish_reason"], "stop");
  }
}

struct BadRequest {
  std::string name, path, body;
  int status;
  std::string param;  // expected error.param ("" = don't check)
};

TEST_F(ServerTest, MalformedRequestsGetErrorObjects) {
  const std::string chat = "/v1/chat/completions", comp = "/v1/completions";
  const std::string msgs = R"("messages":[{"role":"user","content":"hi"}])";
  std::string deep(5000, '[');
  std::vector<BadRequest> cases = {
      {"not json", chat, "{nope", 400, ""},
      {"truncated", chat, R"({"messages":[{"role":"user")", 400, ""},
      {"empty body", chat, "", 400, ""},
      {"array body", chat, "[1,2]", 400, ""},
      {"binary", chat, std::string("\x00\xff\xfe{\x01", 5), 400, ""},
      {"deep nesting", chat, deep, 400, ""},
      {"no messages", chat, "{}", 400, "messages"},
      {"empty messages", chat, R"({"messages":[]})", 400, "messages"},
      {"messages not array", chat, R"({"messages":"hi"})", 400, "messages"},
      {"message not object", chat, R"({"messages":[3]})", 400, "messages[0]"},
      {"bad role", chat, R"({"messages":[{"role":"wizard","content":"x"}]})", 400, "messages[0].role"},
      {"no content", chat, R"({"messages":[{"role":"user"}]})", 400, "messages[0].content"},
      {"content number", chat, R"({"messages":[{"role":"user","content":5}]})", 400, "messages[0].content"},
      {"image part", chat, R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})", 400, "messages[0].content"},
      {"max_tokens zero", chat, "{" + msgs + R"(,"max_tokens":0})", 400, "max_tokens"},
      {"max_tokens too big", chat, "{" + msgs + R"(,"max_tokens":100000})", 400, "max_tokens"},
      {"max_tokens string", chat, "{" + msgs + R"(,"max_tokens":"5"})", 400, "max_tokens"},
      {"max_tokens float", chat, "{" + msgs + R"(,"max_tokens":2.5})", 400, "max_tokens"},
      {"temperature high", chat, "{" + msgs + R"(,"temperature":7})", 400, "temperature"},
      {"temperature string", chat, "{" + msgs + R"(,"temperature":"hot"})", 400, "temperature"},
      {"top_p zero", chat, "{" + msgs + R"(,"top_p":0})", 400, "top_p"},
      {"top_k negative", chat, "{" + msgs + R"(,"top_k":-1})", 400, "top_k"},
      {"presence high", chat, "{" + msgs + R"(,"presence_penalty":3})", 400, "presence_penalty"},
      {"n two", chat, "{" + msgs + R"(,"n":2})", 400, "n"},
      {"stream string", chat, "{" + msgs + R"(,"stream":"yes"})", 400, "stream"},
      {"stop five", chat, "{" + msgs + R"(,"stop":["a","b","c","d","e"]})", 400, "stop"},
      {"stop empty", chat, "{" + msgs + R"(,"stop":""})", 400, "stop"},
      {"stop number", chat, "{" + msgs + R"(,"stop":[1]})", 400, "stop"},
      {"logit_bias key", chat, "{" + msgs + R"(,"logit_bias":{"abc":1}})", 400, "logit_bias"},
      {"logit_bias value", chat, "{" + msgs + R"(,"logit_bias":{"5":1000}})", 400, "logit_bias"},
      {"logit_bias id", chat, "{" + msgs + R"(,"logit_bias":{"999999":1}})", 400, "logit_bias"},
      {"seed string", chat, "{" + msgs + R"(,"seed":"x"})", 400, "seed"},
      {"model number", chat, "{" + msgs + R"(,"model":5})", 400, "model"},
      {"no prompt", comp, "{}", 400, "prompt"},
      {"prompt number", comp, R"({"prompt":5})", 400, "prompt"},
      {"prompt too long", comp, "{\"prompt\":\"" + std::string(3000, 'z') + " q w e r t y\"}", 400, "prompt"},
      {"body too large", chat, "{\"x\":\"" + std::string(100 * 1024, 'a') + "\"}", 413, ""},
  };
  auto c = client(port());
  for (const BadRequest& b : cases) {
    auto r = c.Post(b.path.c_str(), b.body, "application/json");
    ASSERT_TRUE(r) << b.name << ": no response";
    EXPECT_EQ(r->status, b.status) << b.name << ": " << r->body;
    json e = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(e.is_object() && e.contains("error")) << b.name << ": " << r->body;
    EXPECT_TRUE(e["error"]["message"].is_string()) << b.name;
    EXPECT_TRUE(e["error"]["type"].is_string()) << b.name;
    if (!b.param.empty()) {
      EXPECT_EQ(e["error"]["param"], b.param) << b.name << ": " << r->body;
    }
  }
  auto r = c.Post("/v1/completions", "{\"prompt\":\"" + std::string(3000, 'z') + " q w\"}",
                  "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "context_length_exceeded");
  // Unknown routes and methods.
  auto nf = c.Get("/v1/nothing");
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->status, 404);
  EXPECT_TRUE(json::parse(nf->body, nullptr, false).contains("error"));
  auto wrong_method = c.Get("/v1/chat/completions");
  ASSERT_TRUE(wrong_method);
  EXPECT_GE(wrong_method->status, 400);
  // Still healthy, and still answering.
  int st = 0;
  post_json(port(), "/v1/completions", {{"prompt", "a"}, {"max_tokens", 3}}, &st);
  EXPECT_EQ(st, 200);
}

// Bytes on a raw socket: garbage, a half request, and a client that disappears
// mid-stream. None may take the server down.
TEST_F(ServerTest, BrokenConnectionsDoNotHurtTheServer) {
  auto raw = [&](const std::string& bytes, bool read_reply) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return std::string("connect failed");
    }
    (void)!::write(fd, bytes.data(), bytes.size());
    std::string reply;
    if (read_reply) {
      char buf[4096];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) reply.assign(buf, size_t(n));
    }
    ::close(fd);
    return reply;
  };
  EXPECT_NE(raw("GARBAGE\r\n\r\n", true).find("400"), std::string::npos);
  raw("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"mess", false);
  raw("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: -5\r\n\r\n", true);
  // A streaming request whose client goes away after the first bytes.
  std::string body = R"({"messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":64})";
  raw("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body, true);
  auto c = client(port());
  auto h = c.Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  int st = 0;
  post_json(port(), "/v1/completions", {{"prompt", "ok"}, {"max_tokens", 2}}, &st);
  EXPECT_EQ(st, 200);
}

// 32 clients at once, half streaming: each gets exactly the reply it gets alone
// (greedy, distinct prompts), so none is dropped or mixed up with another's.
TEST_F(ServerTest, ThirtyTwoConcurrentClientsEachGetTheirOwnReply) {
  const int n = 32;
  auto body = [](int i) {
    return json{{"prompt", "client " + std::to_string(i) + " says the cat sat"},
                {"max_tokens", 12}, {"temperature", 0}};
  };
  std::vector<std::string> alone(n), together(n);
  for (int i = 0; i < n; ++i) {
    int st = 0;
    json r = post_json(port(), "/v1/completions", body(i), &st);
    ASSERT_EQ(st, 200) << r.dump();
    alone[i] = r["choices"][0]["text"];
  }
  std::vector<std::thread> threads;
  std::vector<int> status(n, 0);
  std::vector<std::string> errors(n);
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      json b = body(i);
      if (i % 2) b["stream"] = true;
      std::string reply;
      status[i] = raw_post(port(), "/v1/completions", b.dump(), &reply);
      if (status[i] != 200) {
        errors[i] = reply;
        return;
      }
      if (i % 2 == 0) {
        together[i] = json::parse(reply)["choices"][0]["text"];
        return;
      }
      for (const std::string& e : sse_events(reply)) {
        if (e == "[DONE]") break;
        together[i] += json::parse(e)["choices"][0]["text"].get<std::string>();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(status[i], 200) << "client " << i << " " << errors[i];
    EXPECT_EQ(together[i], alone[i]) << "client " << i;
  }
}

TEST(ServerLimits, FullQueueGets503AndApiKeyGates401) {
  serve::ServerOptions o;
  o.scheduler.max_queue = 0;  // nothing may wait: every generation request is refused
  o.api_key = "sekrit";
  auto s = testing::start_server(o);
  auto c = client(s->port());
  const std::string body = R"({"messages":[{"role":"user","content":"hi"}]})";
  auto none = c.Post("/v1/chat/completions", body, "application/json");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(json::parse(none->body)["error"]["type"], "authentication_error");
  httplib::Headers wrong = {{"Authorization", "Bearer nope"}};
  auto bad = c.Post("/v1/chat/completions", wrong, body, "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  httplib::Headers right = {{"Authorization", "Bearer sekrit"}};
  auto busy = c.Post("/v1/chat/completions", right, body, "application/json");
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(json::parse(busy->body)["error"]["code"], "server_overloaded");
  auto models = c.Get("/v1/models", right);
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 200);
  auto health = c.Get("/health");  // no key needed outside /v1/
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace llmforge
