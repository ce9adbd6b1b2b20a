// The llmforge binary as a user runs it: help texts, the init -> loss round trip,
// clear errors on bad input, and a few training steps through `bench train`.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "../test_util.h"
#include "model/model_io.h"
#include "train/token_lines.h"

namespace llmforge {
namespace {

struct RunResult {
  int status;
  std::string output;  // stdout and stderr together
};

RunResult run(const std::string& args) {
  auto r = testing::run_shell(testing::llmforge_binary() + " " + args);
  return {r.status, r.output};
}

TEST(Cli, EveryCommandHasHelpListingDefaults) {
  RunResult top = run("--help");
  ASSERT_EQ(top.status, 0) << top.output;
  for (const char* cmd : {"init", "loss", "bench train", "version", "world", "sft", "eval", "speedrun"}) {
    EXPECT_NE(top.output.find(std::string("  ") + cmd), std::string::npos) << cmd;
    RunResult help = run(std::string(cmd) + " --help");
    EXPECT_EQ(help.status, 0) << cmd;
    EXPECT_NE(help.output.find("usage: llmforge"), std::string::npos) << cmd;
  }
  RunResult bench = run("bench train --help");
  for (const char* opt : {"--dim", "--layers", "--heads", "--kv-heads", "--ffn", "--vocab",
                          "--seq", "--batch", "--steps", "--precision"})
    EXPECT_NE(bench.output.find(opt), std::string::npos) << opt;
  EXPECT_NE(bench.output.find("(default: 384)"), std::string::npos);
}

TEST(Cli, UnknownCommandsAndOptionsFailClearly) {
  RunResult r = run("frobnicate");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("unknown command 'frobnicate'"), std::string::npos) << r.output;
  r = run("init --out /tmp/x --bogus 3");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("unknown option --bogus"), std::string::npos) << r.output;
  r = run("init --out /tmp/x --dim 30 --heads 4");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("n_heads 4 does not divide dim 30"), std::string::npos) << r.output;
}

// main() re-executes itself once with a short spin when the user chose no wait
// policy (core/thread_policy.h); a user's own setting is kept as given.
TEST(Cli, ThreadsWaitWithAShortSpinUnlessTheUserChose) {
  const std::string clean =
      "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u LLMFORGE_SPIN -u LLMFORGE_THREAD_POLICY_APPLIED ";
  const std::string bin = testing::llmforge_binary() + " version";
  auto r = testing::run_shell(clean + bin);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("threads wait: GOMP_SPINCOUNT=10000 (llmforge's default"), std::string::npos) << r.output;
  r = testing::run_shell(clean + "OMP_WAIT_POLICY=passive " + bin);
  EXPECT_NE(r.output.find("threads wait: OMP_WAIT_POLICY=passive (from the environment)"), std::string::npos)
      << r.output;
  r = testing::run_shell(clean + "GOMP_SPINCOUNT=77 " + bin);
  EXPECT_NE(r.output.find("threads wait: GOMP_SPINCOUNT=77 (from the environment)"), std::string::npos) << r.output;
  r = testing::run_shell(clean + "LLMFORGE_SPIN=default " + bin);
  EXPECT_NE(r.output.find("threads wait: libgomp's default"), std::string::npos) << r.output;
}

TEST(Cli, InitThenLossMatchesTheLibrary) {
  std::string dir = testing::temp_dir("cli/model");
  std::filesystem::remove_all(dir);
  RunResult init = run("init --out " + dir + " --dim 32 --layers 2 --heads 4 --kv-heads 2 "
                       "--ffn 48 --vocab 50 --seq 16 --seed 3");
  ASSERT_EQ(init.status, 0) << init.output;
  std::string tokens = testing::temp_dir("cli/tokens.txt");
  {
    std::ofstream f(tokens);
    f << "1 2 3 4 5 6 7\n\n49 0 12\n 8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24\n";
  }
  RunResult loss = run("loss --model " + dir + " --tokens " + tokens);
  ASSERT_EQ(loss.status, 0) << loss.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(loss.output, m, std::regex("loss ([0-9.]+) nats/token over (\\d+) tokens in 3 sequences")))
      << loss.output;
  auto model = load_model(dir);
  auto seqs = read_token_lines(tokens, 50, 16);
  SequenceLoss expected = sequence_loss(*model, seqs, 1);  // one at a time: no padding at all
  EXPECT_EQ(std::stol(m[2]), expected.tokens);
  EXPECT_NEAR(std::stod(m[1]), expected.mean(), 1e-5);

  // Bad token files name the file, line and column.
  {
    std::ofstream f(tokens);
    f << "1 2 3\n4 50 6\n";
  }
  loss = run("loss --model " + dir + " --tokens " + tokens);
  EXPECT_EQ(loss.status, 1);
  EXPECT_NE(loss.output.find("tokens.txt:2:3: token id 50 is outside the vocabulary"),
            std::string::npos)
      << loss.output;
  {
    std::ofstream f(tokens);
    for (int i = 0; i < 18; ++i) f << i << " ";
  }
  loss = run("loss --model " + dir + " --tokens " + tokens);
  EXPECT_NE(loss.output.find("longer than the context"), std::string::npos) << loss.output;
}

// The throughput bench runs real steps through the shared training loop: the
// arenas line, a step time and an MFU against the measured GEMM peak.
TEST(Cli, BenchTrainTimesStepsOfTheSharedLoop) {
  RunResult r = run("bench train --dim 32 --layers 1 --heads 2 --ffn 64 --vocab 64 --seq 16 --micro-batch 2 "
                    "--steps 2 --verbose");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("arenas: parameters"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("step 2:"), std::string::npos) << "one warm-up and two measured steps\n" << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex("tokens/s: ([0-9]+)  MFU: ([0-9.]+)%"))) << r.output;
  EXPECT_GT(std::stod(m[1]), 0) << r.output;
}

// Shape options cannot reshape a model loaded with --init-from: refused by name.
// Renamed options keep working under their old names, with a warning.
TEST(Cli, LoadedModelShapeIsRefusedAndOldNamesWarn) {
  RunResult r = run("pretrain --data /nonexistent --init-from /nonexistent/model --dim 64 --seq 32");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("brings its own shape; remove --dim, --seq"), std::string::npos) << r.output;
  RunResult old = run("sft --model /nonexistent --train /nonexistent.jsonl --batch 4");
  EXPECT_EQ(old.status, 1) << old.output;
  EXPECT_NE(old.output.find("--batch is deprecated; use --micro-batch"), std::string::npos) << old.output;
  RunResult help = run("sft --help");
  EXPECT_NE(help.output.find("--micro-batch VALUE"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("deprecated name: --batch"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("--min-lr-ratio VALUE"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace llmforge
