// `llmforge generate` and `llmforge chat` as a user runs them: the same seed gives
// the same text, --n gives n samples, the REPL's commands work on piped input, and
// bad options fail with a message naming them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "test_util.h"
#include "tiny_model.h"

namespace llmforge {
namespace {

const std::string& model_dir() {
  static const std::string d =
      testing::tiny_model_dir(testing::temp_dir("cli_model_" + std::to_string(::getpid())));
  return d;
}

int run(const std::string& args, std::string* out, const std::string& stdin_text = "") {
  const std::string in = testing::temp_dir("cli_stdin_" + std::to_string(::getpid()));
  std::ofstream(in) << stdin_text;
  auto r = testing::run_shell("timeout 120 " + testing::llmforge_binary() + " " + args + " < " + in);
  *out += r.output;
  return r.status;
}

TEST(InferCli, GenerateIsReproducibleAndBatches) {
  const std::string base = "generate --model " + model_dir() +
                           " --prompt 'the cat' --max-tokens 16 --temperature 0.9 --top-k 50";
  std::string a, b, c;
  ASSERT_EQ(run(base + " --seed 7", &a), 0) << a;
  ASSERT_EQ(run(base + " --seed 7", &b), 0) << b;
  EXPECT_EQ(a.substr(0, a.find("[generate]")), b.substr(0, b.find("[generate]")));
  EXPECT_EQ(a.rfind("the cat", 0), 0u) << a;
  ASSERT_EQ(run(base + " --seed 7 --n 3", &c), 0) << c;
  for (const char* s : {"--- sample 0", "--- sample 1", "--- sample 2"})
    EXPECT_NE(c.find(s), std::string::npos) << c;
}

TEST(InferCli, ChatReplCommandsOnPipedInput) {
  std::string out;
  const std::string script =
      "hello\n/set temperature 0\n/set top-p 7\n/show\n/system You are terse.\n/show\n"
      "hi again\n/reset\n/bogus\n/quit\n";
  ASSERT_EQ(run("chat --model " + model_dir() + " --max-tokens 8", &out, script), 0) << out;
  for (const char* s : {"(temperature = 0)", "cannot set top-p", "temperature 0,",
                        "system: You are terse.", "(conversation cleared)", "unknown command /bogus"}) {
    EXPECT_NE(out.find(s), std::string::npos) << s << "\n" << out;
  }
}

TEST(InferCli, BadOptionsFailWithAMessage) {
  std::string out;
  EXPECT_EQ(run("generate --model " + model_dir() + " --prompt x --top-p 3", &out), 1);
  EXPECT_NE(out.find("top_p"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run("generate --model /nonexistent/dir --prompt x", &out), 1);
  EXPECT_NE(out.find("/nonexistent/dir"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run("serve", &out), 1);
  EXPECT_NE(out.find("--model"), std::string::npos) << out;
}

}  // namespace
}  // namespace llmforge
