// Real clients against the server: the official `openai` npm package (streaming and
// not), and headless Debian Chromium driven by playwright-core, which opens the chat
// page, sends a message, waits for the streamed reply and saves a screenshot.
// Skipped, saying why, when node, the npm packages or chromium are missing
// (scripts/install-deps.sh and scripts/npm-deps.sh install them).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "../test_util.h"
#include "server_fixture.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;

const std::string kRef = std::string(LLMFORGE_SOURCE_DIR) + "/tests/reference";

// Runs a command with a hard time limit; returns its exit status and output.
int run(const std::string& cmd, std::string* output) {
  auto r = testing::run_shell("timeout -k 5 120 " + cmd);
  *output += r.output;
  return r.status;
}

bool have_node_package(const std::string& name) {
  return std::string(LLMFORGE_NODE).size() > 0 && fs::exists(kRef + "/node_modules/" + name);
}

// Each Node the reference packages bring (18.20.4, Debian 12's version; 24.17.0,
// which like Debian 12's security-patched nodejs 18 puts a 'data' listener on sockets
// it keeps alive) and the system's, each with the openai 4.x client (node-fetch
// underneath, which then reports "Premature close" for a chunked response on a
// kept-alive connection) and the current major (the platform fetch).
TEST(ServeClients, OfficialOpenAiClientStreamingAndNot) {
  if (!have_node_package("openai")) GTEST_SKIP() << "node or npm package openai missing (scripts/npm-deps.sh)";
  std::vector<std::string> nodes = {LLMFORGE_NODE};
  for (const char* pkg : {"node18", "node24"}) {
    const std::string node = kRef + "/node_modules/" + pkg + "/bin/node";
    if (fs::exists(node)) nodes.push_back(node);
  }
  std::vector<std::string> clients = {"openai"};
  if (have_node_package("openai-v7")) clients.push_back("openai-v7");
  auto s = testing::start_server({});
  for (const std::string& node : nodes) {
    for (const std::string& client : clients) {
      SCOPED_TRACE(node + " with " + client);
      std::string out;
      int rc = run(node + " " + LLMFORGE_SOURCE_DIR + "/tests/serve/openai_client.js http://127.0.0.1:" +
                       std::to_string(s->port()) + "/v1 " + client,
                   &out);
      EXPECT_EQ(rc, 0) << out;
      EXPECT_NE(out.find("openai client: ok"), std::string::npos) << out;
    }
  }
}

TEST(ServeClients, HeadlessChromiumChatsOnTheWebPage) {
  if (!have_node_package("playwright-core")) GTEST_SKIP() << "npm package playwright-core missing";
  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "/usr/bin/chromium missing (Debian package chromium)";
  auto s = testing::start_server({});
  const std::string dir = testing::temp_dir("chat_page");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string shot = dir + "/chat_page.png";
  std::string out;
  int rc = run(std::string(LLMFORGE_NODE) + " " + LLMFORGE_SOURCE_DIR +
                   "/tests/serve/chat_page.js http://127.0.0.1:" + std::to_string(s->port()) +
                   "/ " + shot + " " + dir + "/profile",
               &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("chat page: ok"), std::string::npos) << out;
  ASSERT_TRUE(fs::exists(shot)) << out;
  // A PNG, and not a blank one-colour image (those compress to almost nothing).
  std::ifstream f(shot, std::ios::binary);
  char magic[8] = {};
  f.read(magic, 8);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
  EXPECT_GT(fs::file_size(shot), 5000u);
}

}  // namespace
}  // namespace llmforge
