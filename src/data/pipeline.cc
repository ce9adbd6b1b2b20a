// The pipeline's driver: output layout, manifest, slices, the dedup stage and the
// report. The per-file stages live in pipeline_stage1.cc and pipeline_stage3.cc.
#include "data/pipeline.h"

#include <atomic>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "data/pipeline_internal.h"

namespace llmforge::data {

namespace fs = std::filesystem;

namespace internal {

std::string index_name(size_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06zu", index);
  return buf;
}
std::string stage1_sig_path(const std::string& out, size_t i) {
  return out + "/stage1/" + index_name(i) + ".sig";
}
std::string stage1_stats_path(const std::string& out, size_t i) {
  return out + "/stage1/" + index_name(i) + ".stats.json";
}
std::string removal_path(const std::string& out, size_t i) {
  return out + "/dedup/" + index_name(i) + ".removed";
}
std::string dedup_stats_path(const std::string& out) { return out + "/dedup/stats.json"; }
std::string stage3_stats_path(const std::string& out, size_t i) {
  return out + "/stage3/" + index_name(i) + ".stats.json";
}

// Several slices may start at once on a shared folder: writing the same content
// atomically is harmless.
void write_manifest(const std::string& path, const std::vector<InputFile>& inputs) {
  nlohmann::json j;
  j["inputs"] = nlohmann::json::array();
  for (const auto& f : inputs)
    j["inputs"].push_back({{"path", f.path}, {"bytes", f.bytes}, {"format", format_name(f.format)}});
  write_file_atomic(path, j.dump(1));
}

std::vector<InputFile> load_manifest(const PipelineConfig& config) {
  if (config.output_dir.empty()) ErrorBuilder("data") << "no output folder given (--out)";
  if (config.shard_count < 1 || config.shard_index < 0 || config.shard_index >= config.shard_count)
    ErrorBuilder("data") << "bad shard " << config.shard_index << "/" << config.shard_count
                         << " (want i/n with 0 <= i < n)";
  fs::create_directories(config.output_dir);
  std::string path = config.output_dir + "/manifest.json";
  std::vector<InputFile> inputs;
  if (!config.inputs.empty()) inputs = list_inputs(config.inputs, config.input_format);
  if (fs::exists(path)) {
    auto j = nlohmann::json::parse(read_file(path), nullptr, false);
    if (j.is_discarded() || !j.contains("inputs"))
      ErrorBuilder("data") << path << " is damaged; delete the output folder to start over";
    std::vector<InputFile> saved;
    for (const auto& e : j["inputs"]) {
      InputFile f;
      f.path = e.at("path");
      f.bytes = e.at("bytes");
      std::string fmt = e.at("format");
      f.format = fmt == "warc" ? InputFormat::Warc : fmt == "jsonl" ? InputFormat::Jsonl : InputFormat::Text;
      saved.push_back(f);
    }
    if (inputs.empty()) return saved;  // report/dedup without inputs: use the manifest
    // A run folder that was moved or copied (with its inputs inside it, as the
    // speedrun's are) still resumes: the same file names and sizes in the same order
    // count as the same inputs, and the manifest then records where they are now.
    bool same = saved.size() == inputs.size(), moved = false;
    for (size_t i = 0; same && i < saved.size(); ++i) {
      same = saved[i].bytes == inputs[i].bytes &&
             fs::path(saved[i].path).filename() == fs::path(inputs[i].path).filename();
      moved = moved || saved[i].path != inputs[i].path;
    }
    if (!same)
      ErrorBuilder("data") << "the inputs differ from those of the run that created " << config.output_dir
                           << " (" << saved.size() << " files in manifest.json, " << inputs.size()
                           << " given); use a new output folder";
    if (moved) write_manifest(path, inputs);
    return inputs;
  }
  if (inputs.empty()) ErrorBuilder("data") << "no input files given";
  write_manifest(path, inputs);
  return inputs;
}

std::vector<size_t> slice_indices(size_t n, int shard_index, int shard_count) {
  std::vector<size_t> out;
  for (size_t i = 0; i < n; ++i)
    if (static_cast<int>(i % shard_count) == shard_index) out.push_back(i);
  return out;
}

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

void parallel_for_each(const std::vector<size_t>& indices, int threads,
                       const std::function<void(size_t)>& work) {
  std::atomic<size_t> next{0};
  std::exception_ptr first_error;
  std::mutex mu;
  auto run = [&] {
    for (;;) {
      size_t k = next.fetch_add(1);
      if (k >= indices.size()) return;
      try {
        work(indices[k]);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!first_error) first_error = std::current_exception();
        next = indices.size();  // stop handing out work
        return;
      }
    }
  };
  int n = std::min<int>(resolve_threads(threads), static_cast<int>(indices.size()));
  std::vector<std::thread> pool;
  for (int t = 1; t < n; ++t) pool.emplace_back(run);
  run();
  for (auto& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

void remove_stale_temporaries(const std::string& dir, const std::string& prefix) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.find(".tmp-") != std::string::npos) fs::remove(e.path(), ec);
  }
}

void write_stats(const std::string& path, const RunStats& stats) {
  write_file_atomic(path, stats.to_json().dump(1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace internal

using namespace internal;

std::string stage1_docs_path(const std::string& out, size_t i) {
  return out + "/stage1/" + index_name(i) + ".docs.jsonl.zst";
}
std::string clean_path(const std::string& out, size_t i, bool zstd) {
  return out + "/clean/" + index_name(i) + (zstd ? ".jsonl.zst" : ".jsonl");
}
std::string token_shard_path(const std::string& out, const std::string& split, size_t i) {
  return out + "/tokens/" + split + "-" + index_name(i) + ".bin";
}

void run_dedup_stage(const PipelineConfig& config) {
  const std::string& out = config.output_dir;
  if (fs::exists(dedup_stats_path(out))) {
    LLMF_LOG(Info) << "dedup: already done";
    return;
  }
  auto inputs = load_manifest(config);
  std::vector<DedupInput> dinputs;
  std::vector<std::string> missing;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!fs::exists(stage1_stats_path(out, i))) missing.push_back(inputs[i].path);
    dinputs.push_back({static_cast<uint32_t>(i), stage1_sig_path(out, i), removal_path(out, i)});
  }
  if (!missing.empty())
    ErrorBuilder("data") << "dedup needs stage 1 of every slice; " << missing.size()
                         << " input files are not done yet, e.g. " << missing.front();
  fs::create_directories(out + "/dedup");
  RunStats stats(config.explain);
  DedupConfig dc;
  dc.exact = config.dedup_exact;
  dc.minhash = config.dedup_minhash;
  dc.memory_bytes = config.dedup_memory_bytes;
  dc.tmp_dir = out + "/dedup/tmp";
  run_dedup(dinputs, dc, stats);
  fs::remove_all(dc.tmp_dir);
  write_stats(dedup_stats_path(out), stats);  // last: marks dedup done
}

RunStats build_report(const std::string& out, size_t explain) {
  RunStats total(explain);
  auto merge_file = [&](const fs::path& p) {
    auto j = nlohmann::json::parse(read_file(p.string()), nullptr, false);
    if (j.is_discarded()) ErrorBuilder("data") << "statistics file " << p.string() << " is damaged";
    total.merge(RunStats::from_json(j, explain));
  };
  auto merge_dir = [&](const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().filename().string().find(".stats.json") != std::string::npos &&
          e.path().filename().string().find(".tmp-") == std::string::npos)
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) merge_file(f);
  };
  merge_dir(out + "/stage1");
  if (fs::exists(dedup_stats_path(out))) merge_file(dedup_stats_path(out));
  merge_dir(out + "/stage3");
  write_file_atomic(out + "/report.json", total.to_json().dump(1, ' ', false, nlohmann::json::error_handler_t::replace));
  write_file_atomic(out + "/report.txt", total.format(explain));
  return total;
}

RunStats run_pipeline(const PipelineConfig& config) {
  run_filter_stage(config);
  bool dedup_on = config.dedup_exact || config.dedup_minhash;
  if (config.shard_count > 1) {
    LLMF_LOG(Info) << "slice " << config.shard_index << "/" << config.shard_count
                   << " filtered; when every slice is done run `llmforge data run --stage dedup` once, "
                      "then `--stage write` per slice";
    return build_report(config.output_dir, config.explain);
  }
  if (dedup_on) run_dedup_stage(config);
  run_write_stage(config);
  return build_report(config.output_dir, config.explain);
}

}  // namespace llmforge::data
