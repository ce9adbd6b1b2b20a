// The `llmforge data` command line: options reach the pipeline, the report prints
// examples, sliced runs agree with a whole run, bad options and damaged shards give
// clear errors.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "data/token_shard.h"
#include "../test_util.h"
#include "test_util.h"

namespace llmforge::data {
namespace {

struct Result {
  int rc;
  std::string out;  // stdout and stderr together
};

Result run(const std::string& args) {
  auto r = testing::run_shell(testing::llmforge_binary() + " " + args);
  return {r.status, r.output};
}

class DataCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string a, b;
    for (int i = 0; i < 12; ++i) {
      std::string text = test::join(test::english_paragraphs(300 + i, 5), "\n\n");
      a += nlohmann::json({{"id", "a" + std::to_string(i)}, {"body", text}}).dump() + "\n";
      if (i < 3) b += nlohmann::json({{"id", "b" + std::to_string(i)}, {"body", text}}).dump() + "\n";
    }
    std::string lorem = test::join(test::english_paragraphs(400, 5), "\n\n") +
                        "\nLorem ipsum dolor sit amet, consectetur adipiscing elit.";
    b += nlohmann::json({{"id", "lorem"}, {"body", lorem}}).dump() + "\n";
    test::write_bytes(dir_ / "in/a.jsonl", a);
    test::write_bytes(dir_ / "in/b.jsonl.zst", test::zstd_compress(b));
  }
  std::string in() const { return dir_ / "in"; }
  test::TempDir dir_;
};

TEST_F(DataCli, RunPrintsTheReportWithExamplesAndOptionsSwitchFiltersOff) {
  Result r = run("data --out " + (dir_ / "out") + " --text-field body --explain 1 --threads 2 " + in());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("dedup_exact/exact_duplicate                              3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("c4/lorem_ipsum"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("      - lorem"), std::string::npos) << "an example per reason:\n" << r.out;
  Result off = run("data run --out " + (dir_ / "off") + " --text-field body --no-c4 --jsonl-zstd 0 " + in());
  ASSERT_EQ(off.rc, 0) << off.out;
  EXPECT_EQ(off.out.find("c4/lorem_ipsum"), std::string::npos) << off.out;
  EXPECT_NE(test::read_bytes(dir_ / "off/clean/000001.jsonl").find("Lorem ipsum"), std::string::npos);
  Result rep = run("data report --output " + (dir_ / "out"));  // the old name still works
  ASSERT_EQ(rep.rc, 0) << rep.out;
  EXPECT_NE(rep.out.find("--output is deprecated; use --out"), std::string::npos) << rep.out;
  EXPECT_NE(rep.out.find("dedup_exact/exact_duplicate"), std::string::npos) << rep.out;
}

TEST_F(DataCli, SlicedRunMatchesTheWholeRun) {
  std::string common = " --text-field body --out " + (dir_ / "sliced") + " " + in();
  for (const char* step : {"--stage filter --shard 0/2", "--stage filter --shard 1/2", "--stage dedup",
                           "--stage write --shard 0/2", "--stage write --shard 1/2"}) {
    Result r = run(std::string("data ") + step + common);
    ASSERT_EQ(r.rc, 0) << step << "\n" << r.out;
  }
  Result whole = run("data --text-field body --out " + (dir_ / "whole") + " " + in());
  ASSERT_EQ(whole.rc, 0) << whole.out;
  for (const char* f : {"/clean/000000.jsonl.zst", "/clean/000001.jsonl.zst"})
    EXPECT_TRUE(test::zstd_decompress_file(dir_ / "sliced" + f) == test::zstd_decompress_file(dir_ / "whole" + f)) << f;
}

TEST_F(DataCli, BadOptionsAndDamagedShardsGiveClearErrors) {
  Result r = run("data --out " + (dir_ / "x") + " --shard 3/2 " + in());
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("bad shard 3/2"), std::string::npos) << r.out;
  r = run("data --out " + (dir_ / "x") + " --gopher-top-ngrams 2-0.2 " + in());
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("--gopher-top-ngrams: '2-0.2' is not N:FRACTION"), std::string::npos) << r.out;
  r = run("data --out " + (dir_ / "x") + " " + (dir_ / "missing"));
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("does not exist"), std::string::npos) << r.out;
  {
    TokenShardWriter w(dir_ / "s.bin", 100, 0);
    w.add_document({1, 2, 3, 4});
    w.commit();
  }
  std::string bytes = test::read_bytes(dir_ / "s.bin");
  test::write_bytes(dir_ / "cut.bin", bytes.substr(0, bytes.size() - 1));
  r = run("data shard-info " + (dir_ / "s.bin") + " " + (dir_ / "cut.bin"));
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("s.bin: version 1, 2-byte tokens, 5 tokens, 1 documents, BOS 0, vocab 100"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cut.bin: is truncated"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace llmforge::data
