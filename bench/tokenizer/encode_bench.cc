// Encode throughput, ours vs the npm `tiktoken` package on the same text in the same
// run: single-thread and all-thread MB/s, token counts (must agree) and the ratio.
//   bench_tokenizer_encode [--mb 24] [--encoding cl100k_base] [--threads 0]
// The text (English prose from /usr/share, C headers from /usr/include, synthetic
// CJK/emoji/marks/whitespace/digits) is generated at run time; nothing is committed.
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

#include "core/timer.h"
#include "test_corpus.h"
#include "tokenizer/tokenizer.h"

using namespace llmforge;

// CPU seconds of the calling thread: on a shared machine wall time counts the time
// other people's jobs hold the core, CPU time does not.
static double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  double mb = 24;
  std::string encoding = "cl100k_base";
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--mb") mb = std::atof(argv[i + 1]);
    else if (a == "--encoding") encoding = argv[i + 1];
    else if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else { std::fprintf(stderr, "unknown option %s\n", a.c_str()); return 2; }
  }
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  auto docs = test::make_mixed_corpus(static_cast<size_t>(mb * 1e6), 7);
  size_t bytes = 0;
  for (const auto& d : docs) bytes += d.size();
  Timer load_timer;
  Tokenizer tok = Tokenizer::load(encoding);
  double load_s = load_timer.seconds();

  // Single thread, best of 2 (the machine is shared).
  double best1 = 1e30, best1_cpu = 1e30;
  size_t tokens1 = 0;
  std::vector<uint32_t> ids;
  for (int rep = 0; rep < 2; ++rep) {
    Timer t;
    double cpu0 = thread_cpu_seconds();
    tokens1 = 0;
    for (const auto& d : docs) {
      ids.clear();
      tok.encode_ordinary_into(d, &ids);
      tokens1 += ids.size();
    }
    best1 = std::min(best1, t.seconds());
    best1_cpu = std::min(best1_cpu, thread_cpu_seconds() - cpu0);
  }
  Timer tn;
  auto batch = tok.encode_batch(docs, threads, AllowedSpecial::as_text());
  double all_s = tn.seconds();
  size_t tokens_n = 0;
  for (const auto& b : batch) tokens_n += b.size();

  // The npm package on the same documents.
  namespace fs = std::filesystem;
  fs::path tmp = fs::temp_directory_path() / ("llmforge_tok_bench_" + std::to_string(getpid()) + ".json");
  std::ofstream(tmp, std::ios::binary) << nlohmann::json(docs).dump();
  fs::path out = tmp.string() + ".out";
  std::string cmd = std::string("'") + LLMFORGE_NODE + "' '" + LLMFORGE_SOURCE_DIR +
                    "/tests/reference/tiktoken_bench.js' " + encoding + " < '" + tmp.string() +
                    "' > '" + out.string() + "'";
  int rc = std::system(cmd.c_str());
  double npm_s = 0, npm_cpu = 0;
  size_t npm_tokens = 0;
  if (rc == 0) {
    std::stringstream ss;
    ss << std::ifstream(out).rdbuf();
    auto j = nlohmann::json::parse(ss.str());
    npm_s = j["seconds"].get<double>();
    npm_cpu = j["cpu_seconds"].get<double>();
    npm_tokens = j["tokens"].get<size_t>();
  }
  fs::remove(tmp);
  fs::remove(out);

  // Single thread by kind of text, to show where the time goes.
  std::string by_kind;
  for (auto [kind, label] : {std::pair{test::CorpusKind::kProse, "prose"},
                             std::pair{test::CorpusKind::kCode, "code"},
                             std::pair{test::CorpusKind::kSynthetic, "synthetic"}}) {
    auto part = test::make_corpus(kind, static_cast<size_t>(mb * 1e6 / 3), 7 + static_cast<int>(kind));
    size_t part_bytes = 0;
    for (const auto& d : part) part_bytes += d.size();
    double cpu0 = thread_cpu_seconds();
    for (const auto& d : part) {
      ids.clear();
      tok.encode_ordinary_into(d, &ids);
    }
    char line[128];
    std::snprintf(line, sizeof line, "%s %.1f  ", label, part_bytes / 1e6 / (thread_cpu_seconds() - cpu0));
    by_kind += line;
  }

  double mbytes = bytes / 1e6;
  std::printf("encoding %s, %zu documents, %.1f MB, load %.2f s\n", encoding.c_str(), docs.size(), mbytes, load_s);
  std::printf("%-28s %12s %12s %12s\n", "", "MB/s (wall)", "MB/s (CPU)", "tokens");
  std::printf("%-28s %12.1f %12.1f %12zu\n", "llmforge 1 thread", mbytes / best1, mbytes / best1_cpu, tokens1);
  std::printf("%-28s %12.1f %12s %12zu\n", ("llmforge " + std::to_string(threads) + " threads").c_str(),
              mbytes / all_s, "", tokens_n);
  std::printf("llmforge 1 thread MB/s (CPU) by kind: %s\n", by_kind.c_str());
  if (rc == 0) {
    std::printf("%-28s %12.1f %12.1f %12zu\n", "npm tiktoken 1 thread", mbytes / npm_s, mbytes / npm_cpu, npm_tokens);
    std::printf("ratio llmforge/npm, 1 thread: %.2fx wall, %.2fx CPU; token counts %s\n", npm_s / best1,
                npm_cpu / best1_cpu, npm_tokens == tokens1 ? "identical" : "DIFFER");
  } else {
    std::printf("npm tiktoken: failed (%s); run scripts/npm-deps.sh\n", cmd.c_str());
  }
  return rc == 0 && npm_tokens == tokens1 && tokens_n == tokens1 ? 0 : 1;
}
