// `llmforge tokenizer ...` end to end: encode/decode through pipes, train into a model
// directory and use it by path, show (terminal and HTML), stats, and the error a user
// gets for an unknown encoding.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "../test_util.h"

namespace {

namespace fs = std::filesystem;

struct Result {
  int status;
  std::string out;
};

// Runs `llmforge ARGS` with `input` on stdin; stderr is merged into the output.
Result run(const std::string& args, const std::string& input) {
  fs::path in = fs::temp_directory_path() / ("llmforge_cli_in_" + std::to_string(getpid()));
  std::ofstream(in, std::ios::binary) << input;
  auto shell = llmforge::testing::run_shell(llmforge::testing::llmforge_binary() + " " + args + " < '" + in.string() + "'");
  Result r{shell.status, shell.output};
  fs::remove(in);
  return r;
}

TEST(TokenizerCli, EncodeDecode) {
  Result e = run("tokenizer encode --encoding cl100k_base", "hello world");
  ASSERT_EQ(e.status, 0) << e.out;
  EXPECT_EQ(e.out, "15339 1917\n");
  Result d = run("tokenizer decode --encoding cl100k_base", e.out);
  ASSERT_EQ(d.status, 0) << d.out;
  EXPECT_EQ(d.out, "hello world");
  Result bad = run("tokenizer decode --encoding cl100k_base", "15339 x");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("'x'"), std::string::npos) << bad.out;
}

TEST(TokenizerCli, SpecialTokensNeedPermission) {
  Result e = run("tokenizer encode --encoding cl100k_base", "a<|endoftext|>");
  EXPECT_EQ(e.status, 1);
  EXPECT_NE(e.out.find("--allow-special"), std::string::npos) << e.out;
  EXPECT_EQ(run("tokenizer encode --encoding cl100k_base --allow-special", "a<|endoftext|>").out, "64 100257\n");
}

TEST(TokenizerCli, TrainThenUseTheModelDirectory) {
  fs::path dir = fs::temp_directory_path() / ("llmforge_cli_train_" + std::to_string(getpid()));
  fs::create_directories(dir);
  {
    std::ofstream text(dir / "train.txt");
    for (int i = 0; i < 300; ++i) text << "The quick brown fox " << i << " jumps over the lazy dog.\n";
  }
  Result t = run("tokenizer train --vocab-size 400 --out " + (dir / "model").string() + " " +
                     (dir / "train.txt").string(), "");
  ASSERT_EQ(t.status, 0) << t.out;
  EXPECT_TRUE(fs::exists(dir / "model/tokenizer.json"));
  EXPECT_TRUE(fs::exists(dir / "model/tokenizer.tiktoken"));
  Result e = run("tokenizer encode --encoding " + (dir / "model").string(), "The quick brown fox");
  ASSERT_EQ(e.status, 0) << e.out;
  EXPECT_EQ(run("tokenizer decode --encoding " + (dir / "model").string(), e.out).out, "The quick brown fox");
  fs::remove_all(dir);
}

TEST(TokenizerCli, ShowAndStats) {
  Result s = run("tokenizer show --encoding cl100k_base --html", "a<b>");
  ASSERT_EQ(s.status, 0) << s.out;
  EXPECT_NE(s.out.find("title=\"34277\">&lt;b</span>"), std::string::npos) << s.out;
  Result t = run("tokenizer show --encoding gpt2 hello world", "");
  EXPECT_NE(t.out.find("31373 995"), std::string::npos) << t.out;
  Result st = run("tokenizer stats --encoding gpt2", "hello world hello world");
  ASSERT_EQ(st.status, 0) << st.out;
  EXPECT_NE(st.out.find("tokens           4"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("bytes/token      5.750"), std::string::npos) << st.out;
}

TEST(TokenizerCli, UnknownEncodingIsAClearError) {
  Result r = run("tokenizer encode --encoding cl100k", "x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("neither a tokenizer file"), std::string::npos) << r.out;
}

}  // namespace
