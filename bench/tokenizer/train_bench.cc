// Training speed, ours vs sentencepiece's BPE trainer (Debian's spm_train) on the same
// text file in the same run, plus tokens per byte of both on held-out text.
//   bench_tokenizer_train [--mb 100] [--vocab 32000] [--threads 0] [--dir DIR] [--no-spm]
//                         [--spm-coverage 0.99]
// The text is generated at run time into DIR (default: a temporary folder): English
// prose from /usr/share, C headers from /usr/include, 10% synthetic multilingual text,
// one document per line group. Nothing is downloaded or committed.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "core/atomic_file.h"
#include "core/timer.h"
#include "test_corpus.h"
#include "tokenizer/trainer.h"

using namespace llmforge;
namespace fs = std::filesystem;

namespace {

void write_corpus(const fs::path& file, size_t bytes, uint64_t seed) {
  std::ofstream out(file, std::ios::binary);
  auto emit = [&](test::CorpusKind kind, size_t n) {
    for (const std::string& d : test::make_corpus(kind, n, seed + static_cast<int>(kind))) out << d << "\n";
  };
  emit(test::CorpusKind::kProse, bytes * 45 / 100);
  emit(test::CorpusKind::kCode, bytes * 45 / 100);
  emit(test::CorpusKind::kSynthetic, bytes / 10);
}

size_t count_words(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  std::string w;
  while (in >> w) ++n;
  return n;
}

// User+system CPU seconds of this process (who == RUSAGE_SELF) or of its finished
// children (RUSAGE_CHILDREN): on a shared machine steadier than wall time.
double cpu_seconds(int who) {
  rusage u;
  getrusage(who, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec * 1e-6;
}

}  // namespace

int main(int argc, char** argv) {
  double mb = 100;
  uint32_t vocab = 32000;
  int threads = 0;
  bool run_spm = true;
  std::string dir_arg;
  // spm_train keeps every character needed to cover this share of the text as its own
  // token; with the synthetic part's many rare characters the default 0.9995 needs more
  // characters than 32k tokens, so the benchmark lowers it (less work for spm).
  std::string spm_coverage = "0.99";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) { std::fprintf(stderr, "%s needs a value\n", a.c_str()); std::exit(2); }
      return argv[++i];
    };
    if (a == "--mb") mb = std::atof(value().c_str());
    else if (a == "--vocab") vocab = static_cast<uint32_t>(std::atoi(value().c_str()));
    else if (a == "--threads") threads = std::atoi(value().c_str());
    else if (a == "--dir") dir_arg = value();
    else if (a == "--no-spm") run_spm = false;
    else if (a == "--spm-coverage") spm_coverage = value();
    else { std::fprintf(stderr, "unknown option %s\n", a.c_str()); return 2; }
  }
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  fs::path dir = dir_arg.empty() ? fs::temp_directory_path() / ("llmforge_train_bench_" + std::to_string(getpid()))
                                 : fs::path(dir_arg);
  fs::create_directories(dir);
  fs::path text = dir / "train.txt", heldout = dir / "heldout.txt";
  if (!fs::exists(text)) write_corpus(text, static_cast<size_t>(mb * 1e6), 100);
  if (!fs::exists(heldout)) write_corpus(heldout, 2'000'000, 900);
  double text_mb = fs::file_size(text) / 1e6;

  // Ours.
  double cpu0 = cpu_seconds(RUSAGE_SELF);
  Timer t;
  TrainerOptions o;
  o.vocab_size = vocab;
  o.n_threads = threads;
  BpeTrainer trainer(o);
  trainer.add_file(text.string());
  double count_s = t.seconds();
  Tokenizer tok = trainer.train();
  double ours_s = t.seconds();
  double ours_cpu = cpu_seconds(RUSAGE_SELF) - cpu0;
  tok.save_tokenizer_json((dir / "tokenizer.json").string());
  std::string held = read_file(heldout.string());
  size_t ours_tokens = tok.encode_ordinary(held).size();

  std::printf("training text %.1f MB (%s), vocabulary %u, %d threads\n", text_mb, text.c_str(), vocab, threads);
  std::printf("%-26s %10s %12s %16s\n", "", "wall s", "CPU s", "held-out B/token");
  std::printf("%-26s %10.1f %12.1f %16.3f   (counting %.1f s, merges %.1f s wall)\n", "llmforge BpeTrainer",
              ours_s, ours_cpu, double(held.size()) / ours_tokens, count_s, ours_s - count_s);
  int rc = 0;
  if (run_spm) {
    std::string prefix = (dir / "spm").string();
    std::string cmd = "spm_train --input='" + text.string() + "' --model_prefix='" + prefix +
                      "' --vocab_size=" + std::to_string(vocab) + " --model_type=bpe --num_threads=" +
                      std::to_string(threads) +
                      " --input_sentence_size=0 --max_sentence_length=65536 --character_coverage=" + spm_coverage +
                      " --minloglevel=2 > '" +
                      (dir / "spm.log").string() + "' 2>&1";
    double child0 = cpu_seconds(RUSAGE_CHILDREN);
    Timer ts;
    rc = std::system(cmd.c_str());
    double spm_s = ts.seconds();
    double spm_cpu = cpu_seconds(RUSAGE_CHILDREN) - child0;
    if (rc != 0) {
      std::printf("spm_train failed (exit %d): %s\n", rc, cmd.c_str());
    } else {
      std::string enc = "spm_encode --model='" + prefix + ".model' --output_format=id < '" + heldout.string() +
                        "' > '" + (dir / "spm_ids.txt").string() + "'";
      size_t spm_tokens = std::system(enc.c_str()) == 0 ? count_words((dir / "spm_ids.txt").string()) : 0;
      std::printf("%-26s %10.1f %12.1f %16.3f\n", "sentencepiece spm_train", spm_s, spm_cpu,
                  spm_tokens ? double(held.size()) / spm_tokens : 0.0);
      std::printf("speed-up llmforge vs spm_train: %.2fx wall, %.2fx CPU\n", spm_s / ours_s, spm_cpu / ours_cpu);
    }
  }
  if (dir_arg.empty()) fs::remove_all(dir);
  return rc == 0 ? 0 : 1;
}
