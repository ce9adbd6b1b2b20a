// The pipeline end to end on generated JSONL, text and WARC inputs: outputs,
// resume after an interruption, slices merged by the dedup stage, and bad input.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "core/error.h"
#include "core/log.h"

#include "data/pipeline.h"
#include "data/text_utils.h"
#include "data/token_shard.h"
#include "test_util.h"
#include "toy_encoder.h"

namespace llmforge::data {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::string doc_text(int i) { return test::join(test::english_paragraphs(1000 + i, 5), "\n\n"); }

// 4 JSONL files (plain, gz, zst, plain) of 30 docs; docs 0..4 of file 0 repeat in file 3.
void make_jsonl_inputs(const std::string& dir) {
  for (int f = 0; f < 4; ++f) {
    std::string lines;
    for (int d = 0; d < 30; ++d) {
      int id = (f == 3 && d < 5) ? d : f * 100 + d;
      nlohmann::json j = {{"id", "f" + std::to_string(f) + "d" + std::to_string(d)}, {"body", doc_text(id)}};
      lines += j.dump() + "\n";
    }
    if (f == 1) test::write_bytes(dir + "/in/b.jsonl.gz", test::gzip_member(lines));
    else if (f == 2) test::write_bytes(dir + "/in/c.jsonl.zst", test::zstd_compress(lines));
    else test::write_bytes(dir + "/in/" + std::string(1, static_cast<char>('a' + f)) + ".jsonl", lines);
  }
}

PipelineConfig base_config(const TempDir& dir, const std::string& out) {
  PipelineConfig c;
  c.inputs = {dir / "in"};
  c.output_dir = dir / out;
  c.text_field = "body";
  c.threads = 2;
  c.val_fraction = 0.2;
  c.tokenizer = test::byte_encoder_factory();
  return c;
}

std::vector<nlohmann::json> read_clean(const std::string& out) {
  std::vector<nlohmann::json> docs;
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(out + "/clean")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (auto& f : files) {
    std::string text = test::zstd_decompress_file(f.string());
    for (auto line : split_lines(text))
      if (!line.empty()) docs.push_back(nlohmann::json::parse(line));
  }
  return docs;
}

TEST(DataPipeline, JsonlInputsGiveCleanJsonlTokenShardsAndAReport) {
  TempDir dir;
  make_jsonl_inputs(dir.path());
  auto c = base_config(dir, "out");
  RunStats report = run_pipeline(c);
  auto docs = read_clean(c.output_dir);
  EXPECT_EQ(docs.size(), 115u);  // 120 minus 5 exact duplicates
  EXPECT_EQ(report.removed_count("dedup_exact", "exact_duplicate"), 5u);
  for (const auto& d : docs) {
    EXPECT_EQ(d["language"], "en");
    EXPECT_TRUE(d["filters"].contains("passed"));
  }
  // Token shards: every clean document is in train or val, each starting with BOS.
  uint64_t n_docs = 0, tokens = 0;
  for (auto& e : fs::directory_iterator(c.output_dir + "/tokens")) {
    TokenShard s(e.path().string());
    n_docs += s.header().doc_count;
    tokens += s.size();
    if (s.size() > 0) {
      EXPECT_EQ(s[0], 0u);
    }
    EXPECT_EQ(s.header().token_width, 2u);
  }
  uint64_t text_bytes = 0;
  for (const auto& d : docs) text_bytes += d["text"].get<std::string>().size();
  EXPECT_EQ(n_docs, docs.size());
  EXPECT_EQ(tokens, text_bytes + docs.size());
  EXPECT_GT(report.counter("docs_val"), 5u);
  EXPECT_GT(report.counter("docs_train"), 60u);
  std::string txt = test::read_bytes(c.output_dir + "/report.txt");
  EXPECT_NE(txt.find("dedup_exact/exact_duplicate"), std::string::npos) << txt;
  EXPECT_NE(txt.find("\"f3d0\"") == std::string::npos ? txt.find("f3d") : 0, std::string::npos);
}

TEST(DataPipeline, ResumesFromFinishedFilesAfterAnInterruption) {
  TempDir dir;
  make_jsonl_inputs(dir.path());
  auto c = base_config(dir, "out");
  run_pipeline(c);
  std::string clean1 = test::read_bytes(clean_path(c.output_dir, 1, true));
  std::string train1 = test::read_bytes(token_shard_path(c.output_dir, "train", 1));
  auto mtime0 = fs::last_write_time(clean_path(c.output_dir, 0, true));
  // Simulate a run killed while writing file 1: its outputs and done-mark are gone
  // and a stale temporary is left behind.
  fs::remove(clean_path(c.output_dir, 1, true));
  fs::remove(token_shard_path(c.output_dir, "train", 1));
  fs::remove(c.output_dir + "/stage3/000001.stats.json");
  test::write_bytes(c.output_dir + "/clean/000001.jsonl.zst.tmp-99999", "half");
  RunStats report = run_pipeline(c);
  EXPECT_TRUE(test::read_bytes(clean_path(c.output_dir, 1, true)) == clean1);
  EXPECT_TRUE(test::read_bytes(token_shard_path(c.output_dir, "train", 1)) == train1);
  EXPECT_EQ(fs::last_write_time(clean_path(c.output_dir, 0, true)), mtime0) << "finished file redone";
  EXPECT_FALSE(fs::exists(c.output_dir + "/clean/000001.jsonl.zst.tmp-99999"));
  EXPECT_EQ(read_clean(c.output_dir).size(), 115u);
  EXPECT_EQ(report.removed_count("dedup_exact", "exact_duplicate"), 5u);
  // Changing the inputs under an existing output folder is refused.
  test::write_bytes(dir / "in/e.jsonl", "{\"body\": \"new\"}\n");
  EXPECT_THROW(run_pipeline(c), Error);
}

TEST(DataPipeline, SlicesRunSeparatelyAndDedupMergesTheirSignatures) {
  TempDir dir;
  make_jsonl_inputs(dir.path());
  auto whole = base_config(dir, "whole");
  run_pipeline(whole);
  auto sliced = base_config(dir, "sliced");
  for (int i = 0; i < 2; ++i) {
    sliced.shard_index = i;
    sliced.shard_count = 2;
    run_filter_stage(sliced);
  }
  run_dedup_stage(sliced);
  for (int i = 0; i < 2; ++i) {
    sliced.shard_index = i;
    run_write_stage(sliced);
  }
  RunStats report = build_report(sliced.output_dir, 5);
  EXPECT_EQ(report.removed_count("dedup_exact", "exact_duplicate"), 5u);
  for (size_t f = 0; f < 4; ++f) {
    EXPECT_TRUE(test::zstd_decompress_file(clean_path(sliced.output_dir, f, true)) ==
                test::zstd_decompress_file(clean_path(whole.output_dir, f, true)))
        << "file " << f;
  }
  // Dedup refuses to run before every slice has filtered.
  auto partial = base_config(dir, "partial");
  partial.shard_index = 0;
  partial.shard_count = 2;
  run_filter_stage(partial);
  EXPECT_THROW(run_dedup_stage(partial), Error);
}

TEST(DataPipeline, BadInputIsCountedAndReportedNeverFatal) {
  TempDir dir;
  std::string good = test::join(test::english_paragraphs(5, 5), "\n\n");
  // Truncated .warc.gz: first record complete, second cut.
  std::string r1 = test::warc_record("conversion", "http://ok/", good);
  std::string r2 = test::warc_record("conversion", "http://cut/", test::join(test::english_paragraphs(6, 5), "\n\n"));
  std::string gz = test::gzip_member(r1) + test::gzip_member(r2);
  test::write_bytes(dir / "in/a_truncated.warc.gz", gz.substr(0, gz.size() - 40));
  // Lying Content-Length, a binary payload and invalid UTF-8 in one WARC.
  std::string lying = test::warc_record("conversion", "http://liar/", "short text");
  lying.replace(lying.find("Content-Length: 10"), 18, "Content-Length: 15");
  std::string binary = test::warc_record(
      "response", "http://bin/", test::http_response(std::string("\x89PNG\r\n\x1a\n\0\0\0", 12) + std::string(500, '\0'), "image/png"));
  std::string untyped_binary = test::warc_record("resource", "http://bin2/", std::string("GIF89a\0\0\0\0", 10));
  std::string invalid = test::warc_record("conversion", "http://invalid/",
                                          test::join(test::english_paragraphs(7, 5), "\n\n") + " bad \xFF\xFE bytes.");
  test::write_bytes(dir / "in/b_mixed.warc",
                    lying + binary + untyped_binary + invalid + test::warc_record("conversion", "http://ok2/", test::join(test::english_paragraphs(8, 5), "\n\n")));
  // A 100 MB single-line text file and a JSONL file with a 40 MB line.
  {
    std::ofstream f(dir / "in/c_huge.txt", std::ios::binary);
    std::string chunk = "word ";
    std::string mb;
    while (mb.size() < (1 << 20)) mb += chunk;
    for (int i = 0; i < 100; ++i) f << mb;
  }
  {
    std::ofstream f(dir / "in/d_long.jsonl", std::ios::binary);
    f << "{\"text\": \"" << std::string(40 << 20, 'a') << "\"}\n";
    f << nlohmann::json({{"text", test::join(test::english_paragraphs(9, 5), "\n\n")}}).dump() << "\n";
  }
  PipelineConfig c;
  c.inputs = {dir / "in"};
  c.output_dir = dir / "out";
  c.threads = 2;
  RunStats r = run_pipeline(c);
  EXPECT_GE(r.error_count("truncated_or_corrupt_compression"), 1u);
  EXPECT_EQ(r.error_count("warc_bad_content_length"), 1u);
  EXPECT_EQ(r.error_count("binary_payload"), 1u);
  EXPECT_EQ(r.removed_count("extract", "non_text_content_type"), 1u);
  EXPECT_EQ(r.error_count("invalid_utf8"), 1u);
  EXPECT_EQ(r.error_count("text_truncated"), 1u);
  EXPECT_EQ(r.error_count("jsonl_line_too_long"), 1u);
  auto docs = read_clean(c.output_dir);
  std::set<std::string> urls;
  for (auto& d : docs) urls.insert(d.value("url", d.value("id", "")));
  EXPECT_TRUE(urls.count("http://ok/"));
  EXPECT_TRUE(urls.count("http://ok2/"));
  EXPECT_TRUE(urls.count("http://invalid/"));
  EXPECT_FALSE(urls.count("http://liar/"));
  // 100 MB and 40 MB lines went through without being held in memory.
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  EXPECT_LT(ru.ru_maxrss, 160 * 1024) << "peak RSS " << ru.ru_maxrss << " KB";
  std::string txt = test::read_bytes(c.output_dir + "/report.txt");
  EXPECT_NE(txt.find("input errors"), std::string::npos);
  EXPECT_NE(txt.find("a_truncated.warc.gz"), std::string::npos) << "errors name the file:\n" << txt;
}

}  // namespace
}  // namespace llmforge::data

namespace llmforge::data {
namespace {

// One big file: the file is split into batches processed on several threads; the
// output must not depend on the number of threads.
TEST(DataPipeline, OneFileOnManyThreadsGivesTheSameOutputAsOneThread) {
  TempDir dir;
  std::string lines;
  for (int d = 0; d < 700; ++d) {
    int id = d % 100 == 99 ? d - 50 : d;  // some exact duplicates
    lines += nlohmann::json({{"id", "d" + std::to_string(d)}, {"text", doc_text(id)}}).dump() + "\n";
    if (d % 97 == 0) lines += "not json\n";
  }
  test::write_bytes(dir / "in/one.jsonl", lines);
  std::vector<std::string> outputs;
  std::vector<std::string> reports;
  for (int threads : {1, 3}) {
    PipelineConfig c;
    c.inputs = {dir / "in"};
    c.output_dir = dir / ("out" + std::to_string(threads));
    c.threads = threads;
    c.tokenizer = test::byte_encoder_factory();
    RunStats r = run_pipeline(c);
    EXPECT_EQ(r.error_count("jsonl_bad_json"), 8u);
    EXPECT_EQ(r.removed_count("dedup_exact", "exact_duplicate"), 7u);
    outputs.push_back(test::zstd_decompress_file(clean_path(c.output_dir, 0, true)) +
                      test::read_bytes(token_shard_path(c.output_dir, "train", 0)));
    auto j = r.to_json();
    reports.push_back(j["stages"].dump() + j["removed"].dump() + j["errors"].dump());
  }
  EXPECT_TRUE(outputs[0] == outputs[1]) << "output depends on the thread count";
  EXPECT_EQ(reports[0], reports[1]);
}

}  // namespace
}  // namespace llmforge::data

namespace llmforge::data {
namespace {

// True when the file is a sequence of complete zstd frames.
bool zstd_frames_complete(const std::string& path) {
  std::string data = test::read_bytes(path);
  size_t pos = 0;
  while (pos < data.size()) {
    size_t n = ZSTD_findFrameCompressedSize(data.data() + pos, data.size() - pos);
    if (ZSTD_isError(n)) return false;
    pos += n;
  }
  return !data.empty();
}

// A run killed with SIGKILL in the middle leaves no file under a final name that is
// incomplete, and a rerun produces exactly what an uninterrupted run produces.
TEST(DataPipeline, KilledRunResumesToTheSameOutput) {
  TempDir dir;
  for (int f = 0; f < 8; ++f) {
    std::string lines;
    for (int d = 0; d < 60; ++d)
      lines += nlohmann::json({{"id", std::to_string(f) + "/" + std::to_string(d)},
                               {"text", doc_text(f * 1000 + d % 50)}}).dump() + "\n";
    test::write_bytes(dir / ("in/" + std::to_string(f) + ".jsonl"), lines);
  }
  auto config = [&](const std::string& out) {
    PipelineConfig c;
    c.inputs = {dir / "in"};
    c.output_dir = dir / out;
    c.threads = 1;
    c.tokenizer = test::byte_encoder_factory();
    return c;
  };
  run_pipeline(config("clean_run"));

  PipelineConfig killed = config("killed");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    set_log_level(LogLevel::Error);
    run_pipeline(killed);
    ::_exit(0);
  }
  // Kill once some but (most likely) not all files of stage 1 are done.
  for (int i = 0; i < 20000; ++i) {
    if (fs::exists(killed.output_dir + "/stage1/000002.stats.json")) break;
    ::usleep(500);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  // Whatever exists under a final name is complete.
  for (const char* sub : {"/stage1", "/clean", "/tokens"}) {
    std::error_code ec;
    for (auto& e : fs::directory_iterator(killed.output_dir + sub, ec)) {
      std::string name = e.path().filename().string();
      if (name.find(".tmp-") != std::string::npos) continue;
      if (sub == std::string("/tokens")) {
        EXPECT_NO_THROW(TokenShard s(e.path().string())) << name;
      }
      if (name.size() > 4 && name.substr(name.size() - 4) == ".zst") {
        EXPECT_TRUE(zstd_frames_complete(e.path().string())) << name;
      }
    }
  }
  run_pipeline(killed);
  for (size_t f = 0; f < 8; ++f) {
    EXPECT_TRUE(test::zstd_decompress_file(clean_path(killed.output_dir, f, true)) ==
                test::zstd_decompress_file(clean_path(dir / "clean_run", f, true))) << f;
    EXPECT_TRUE(test::read_bytes(token_shard_path(killed.output_dir, "train", f)) ==
                test::read_bytes(token_shard_path(dir / "clean_run", "train", f))) << f;
  }
  for (auto& e : fs::recursive_directory_iterator(killed.output_dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

}  // namespace
}  // namespace llmforge::data
