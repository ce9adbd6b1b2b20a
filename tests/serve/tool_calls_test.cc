// Tool calls through the OpenAI API, with a model fine-tuned to call search
// (tool_model.h): the client's tools come back as message.tool_calls with
// finish_reason "tool_calls" (and as stream deltas), the client's "tool" message
// continues the conversation, tool_choice "none" keeps the model from calling,
// `serve --index` runs the search itself and reports it, and bad tool messages are
// 400s naming the field. Also the official openai npm client's tool flow and the web
// page's search display in headless Chromium.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "search/search_index.h"
#include "search/search_tool.h"
#include "server_fixture.h"
#include "tool_model.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kRef = std::string(LLMFORGE_SOURCE_DIR) + "/tests/reference";

std::unique_ptr<serve::Server> start(serve::ServerOptions o) {
  o.host = "127.0.0.1";
  o.port = 0;
  auto s = std::make_unique<serve::Server>(load_model(testing::tool_model_dir()),
                                           Tokenizer::load(testing::tool_model_dir()), o);
  s->start();
  return s;
}

const char* kSearchTool = R"([{"type":"function","function":{"name":"search","parameters":{"type":"object","properties":{"query":{"type":"string"}}}}}])";

json ask(int port, json body) {
  auto c = testing::client(port);
  auto r = c.Post("/v1/chat/completions", body.dump(), "application/json");
  EXPECT_TRUE(r) << "no response";
  if (!r) return json();
  json j = json::parse(r->body);
  j["_status"] = r->status;
  return j;
}

json question() { return json::array({{{"role", "user"}, {"content", testing::kToolQuestion}}}); }

TEST(ServeTools, ClientToolsComeBackAsToolCalls) {
  auto s = start({});
  json r = ask(s->port(), {{"messages", question()}, {"tools", json::parse(kSearchTool)}, {"temperature", 0},
                           {"max_tokens", 200}});
  ASSERT_EQ(r["_status"], 200) << r.dump();
  const json& choice = r["choices"][0];
  EXPECT_EQ(choice["finish_reason"], "tool_calls") << r.dump();
  ASSERT_EQ(choice["message"]["tool_calls"].size(), 1u) << r.dump();
  const json& call = choice["message"]["tool_calls"][0];
  EXPECT_EQ(call["type"], "function");
  EXPECT_EQ(call["function"]["name"], "search");
  EXPECT_EQ(json::parse(call["function"]["arguments"].get<std::string>())["query"], "Kenji Marsh");
  EXPECT_TRUE(choice["message"]["content"].is_null());
  EXPECT_FALSE(call["id"].get<std::string>().empty());

  // The client runs the tool and sends the result back: the model answers from it.
  json messages = question();
  messages.push_back(choice["message"]);
  messages.push_back({{"role", "tool"}, {"tool_call_id", call["id"]}, {"content", testing::kToolResult}});
  json answer = ask(s->port(), {{"messages", messages}, {"tools", json::parse(kSearchTool)}, {"temperature", 0},
                                {"max_tokens", 200}});
  ASSERT_EQ(answer["_status"], 200) << answer.dump();
  EXPECT_EQ(answer["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(answer["choices"][0]["message"]["content"], testing::kToolAnswer);
}

TEST(ServeTools, StreamedToolCallsArriveAsDeltas) {
  auto s = start({});
  auto c = testing::client(s->port());
  json body = {{"messages", question()}, {"tools", json::parse(kSearchTool)}, {"temperature", 0},
               {"max_tokens", 200}, {"stream", true}};
  auto r = c.Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  std::string finish, args, name, content;
  for (size_t at = 0; (at = r->body.find("data: ", at)) != std::string::npos; at += 6) {
    const std::string data = r->body.substr(at + 6, r->body.find("\n\n", at) - at - 6);
    if (data == "[DONE]") break;
    json chunk = json::parse(data);
    const json& ch = chunk["choices"][0];
    if (ch["finish_reason"].is_string()) finish = ch["finish_reason"];
    if (ch["delta"].contains("content") && ch["delta"]["content"].is_string()) content += ch["delta"]["content"].get<std::string>();
    if (ch["delta"].contains("tool_calls")) {
      const json& tc = ch["delta"]["tool_calls"][0];
      EXPECT_EQ(tc["index"], 0);
      name += tc["function"]["name"].get<std::string>();
      args += tc["function"]["arguments"].get<std::string>();
    }
  }
  EXPECT_EQ(finish, "tool_calls") << r->body;
  EXPECT_EQ(name, "search");
  EXPECT_EQ(json::parse(args)["query"], "Kenji Marsh");
  EXPECT_EQ(content, "");  // the call's JSON never leaks into the text
}

TEST(ServeTools, ToolChoiceNoneKeepsTheModelFromCalling) {
  auto s = start({});
  json r = ask(s->port(), {{"messages", question()}, {"tools", json::parse(kSearchTool)}, {"tool_choice", "none"},
                           {"temperature", 0}, {"max_tokens", 16}});
  ASSERT_EQ(r["_status"], 200) << r.dump();
  EXPECT_NE(r["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_FALSE(r["choices"][0]["message"].contains("tool_calls"));
}

TEST(ServeTools, ServerRunsTheSearchWithAnIndex) {
  const std::string dir = testing::temp_dir("serve_tools_index");
  fs::remove_all(dir);
  {
    search::IndexWriter w(dir);
    w.add({"Kenji Marsh", "http://example/kenji", testing::kToolResult});
    w.add({"Greta Novak", "http://example/greta", "Greta Novak studied botany."});
    w.commit({"test"});
  }
  search::SearchIndex index(dir);
  serve::ServerOptions o;
  o.scheduler.search = search::make_search_runner(index, 1);
  auto s = start(o);
  json r = ask(s->port(), {{"messages", question()}, {"temperature", 0}, {"max_tokens", 200}});
  ASSERT_EQ(r["_status"], 200) << r.dump();
  EXPECT_EQ(r["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(r["choices"][0]["message"]["content"], testing::kToolAnswer);  // read from the hit
  ASSERT_EQ(r["llmforge_tool_events"].size(), 1u) << r.dump();
  const json& e = r["llmforge_tool_events"][0];
  EXPECT_EQ(e["name"], "search");
  EXPECT_EQ(e["error"], false);
  ASSERT_EQ(e["hits"].size(), 1u);
  EXPECT_EQ(e["hits"][0]["url"], "http://example/kenji");
  EXPECT_EQ(e["result"], testing::kToolResult);
}

TEST(ServeTools, WithoutToolsACallGetsAnErrorResultNotACrash) {
  auto s = start({});  // no index, no client tools
  json r = ask(s->port(), {{"messages", question()}, {"temperature", 0}, {"max_tokens", 200}});
  ASSERT_EQ(r["_status"], 200) << r.dump();
  // The model, trained to search, tries again after each error result; every try is
  // answered in the context, and past --max-tool-calls the error says to answer.
  ASSERT_GE(r["llmforge_tool_events"].size(), 1u) << r.dump();
  for (const json& e : r["llmforge_tool_events"]) EXPECT_EQ(e["error"], true);
  EXPECT_EQ(r["llmforge_tool_events"][0]["result"], "error: no tools are available");
  EXPECT_NE(r["choices"][0]["finish_reason"], "tool_calls");
}

TEST(ServeTools, BadToolMessagesAre400sNamingTheField) {
  auto s = start({});
  json msgs = question();
  msgs.push_back({{"role", "tool"}, {"content", "x"}});
  json r = ask(s->port(), {{"messages", msgs}});
  EXPECT_EQ(r["_status"], 400);
  EXPECT_EQ(r["error"]["param"], "messages[1].tool_call_id") << r.dump();
  msgs[1]["tool_call_id"] = "call_9";  // answers no call
  r = ask(s->port(), {{"messages", msgs}});
  EXPECT_EQ(r["_status"], 400);
  EXPECT_NE(r["error"]["message"].get<std::string>().find("answers no tool call"), std::string::npos) << r.dump();
  r = ask(s->port(), {{"messages", question()}, {"tools", json::parse(kSearchTool)}, {"tool_choice", "sometimes"}});
  EXPECT_EQ(r["_status"], 400);
  EXPECT_EQ(r["error"]["param"], "tool_choice");
  r = ask(s->port(), {{"messages", question()}, {"tools", json::array({{{"type", "function"}}})}});
  EXPECT_EQ(r["_status"], 400);
  EXPECT_EQ(r["error"]["param"], "tools[0]");
}

// The same tool loop in the terminal commands: generate --chat and chat, with --index,
// show the search and its hit and answer from the result.
TEST(ServeTools, GenerateAndChatSearchWithIndex) {
  const std::string dir = testing::temp_dir("cli_tools_index");
  fs::remove_all(dir);
  {
    search::IndexWriter w(dir);
    w.add({"Kenji Marsh", "http://example/kenji", testing::kToolResult});
    w.commit({"test"});
  }
  const std::string common = " --model " + testing::tool_model_dir() + " --index " + dir +
                             " --search-k 1 --temperature 0 --max-tokens 200";
  auto g = testing::run_shell(testing::llmforge_binary() + " generate --chat" + common + " '" +
                              testing::kToolQuestion + "'");
  ASSERT_EQ(g.status, 0) << g.output;
  EXPECT_NE(g.output.find("[search {\"query\":\"Kenji Marsh\"}] 1 hit(s)"), std::string::npos) << g.output;
  EXPECT_NE(g.output.find("1. Kenji Marsh <http://example/kenji>"), std::string::npos) << g.output;
  EXPECT_NE(g.output.find(testing::kToolAnswer), std::string::npos) << g.output;
  EXPECT_EQ(g.output.find("tool_call"), std::string::npos) << g.output;  // the raw call is not shown
  auto c = testing::run_shell("printf '%s\\n' '" + std::string(testing::kToolQuestion) + "' | " +
                              testing::llmforge_binary() + " chat" + common);
  ASSERT_EQ(c.status, 0) << c.output;
  EXPECT_NE(c.output.find("[search {\"query\":\"Kenji Marsh\"}] 1 hit(s)"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find(testing::kToolAnswer), std::string::npos) << c.output;
  // A missing index is a clear error before anything else happens.
  auto bad = testing::run_shell(testing::llmforge_binary() + " chat --model " + testing::tool_model_dir() +
                                " --index " + dir + "/nowhere < /dev/null");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("no search index in"), std::string::npos) << bad.output;
}

bool have_node_package(const std::string& name) {
  return std::string(LLMFORGE_NODE).size() > 0 && fs::exists(kRef + "/node_modules/" + name);
}

TEST(ServeTools, OfficialOpenAiClientToolFlow) {
  if (!have_node_package("openai")) GTEST_SKIP() << "node or npm package openai missing (scripts/npm-deps.sh)";
  auto s = start({});
  std::vector<std::string> clients = {"openai"};
  if (have_node_package("openai-v7")) clients.push_back("openai-v7");
  for (const std::string& client : clients) {
    auto r = testing::run_shell("timeout -k 5 120 " + std::string(LLMFORGE_NODE) + " " + LLMFORGE_SOURCE_DIR +
                                "/tests/serve/openai_tools.js http://127.0.0.1:" + std::to_string(s->port()) + "/v1 " +
                                client);
    EXPECT_EQ(r.status, 0) << client << ": " << r.output;
    EXPECT_NE(r.output.find("openai tools: ok"), std::string::npos) << r.output;
  }
}

TEST(ServeTools, HeadlessChromiumShowsTheSearchAndItsHits) {
  if (!have_node_package("playwright-core")) GTEST_SKIP() << "npm package playwright-core missing";
  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "/usr/bin/chromium missing (Debian package chromium)";
  const std::string dir = testing::temp_dir("serve_tools_page");
  fs::remove_all(dir);
  {
    search::IndexWriter w(dir + "/index");
    w.add({"Kenji Marsh", "http://example/kenji", testing::kToolResult});
    w.commit({"test"});
  }
  search::SearchIndex index(dir + "/index");
  serve::ServerOptions o;
  o.scheduler.search = search::make_search_runner(index, 1);
  auto s = start(o);
  auto r = testing::run_shell("timeout -k 5 120 " + std::string(LLMFORGE_NODE) + " " + LLMFORGE_SOURCE_DIR +
                              "/tests/serve/chat_page_search.js http://127.0.0.1:" + std::to_string(s->port()) + "/ " +
                              dir + "/page.png " + dir + "/profile");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("chat page search: ok"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir + "/page.png"));
}

}  // namespace
}  // namespace llmforge
