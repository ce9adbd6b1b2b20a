// Stage 3 of the pipeline: drop the duplicates found by stage 2 and write the clean
// JSONL and the train/validation token shards, one set of files per input file.
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "data/byte_reader.h"
#include "data/jsonl_reader.h"
#include "data/jsonl_writer.h"
#include "data/pipeline_internal.h"
#include "data/text_utils.h"
#include "data/token_shard.h"

namespace llmforge::data {

using namespace internal;

namespace {

// Documents waiting to be tokenized and written, in input order. Tokenizing is the
// expensive part of this stage, so a batch is tokenized on several threads (one
// encoder each) when the stage has fewer files than threads.
struct PendingDoc {
  std::string line;  // clean JSONL line
  std::string text;
  bool is_val = false;
  std::vector<uint32_t> tokens;
};

constexpr size_t kWriteBatchDocs = 512;
constexpr size_t kWriteBatchBytes = 16 << 20;

// What a finished file's outputs were made with. Without a tokenizer only the clean
// JSONL is written, which neither setting changes.
std::string write_settings(const PipelineConfig& config) {
  if (!config.tokenizer) return "tokenizer=\n";
  return "tokenizer=" + config.tokenizer_id + "\nval_fraction=" + std::to_string(config.val_fraction) + "\n";
}

std::string write_settings_path(const std::string& out, size_t index) {
  return out + "/stage3/" + index_name(index) + ".settings";
}

// A finished file is written again when this run asks for token shards it does not
// have: none yet (step 3 of the README after step 1), another tokenizer, another
// val_fraction. A run without --tokenizer keeps what earlier runs wrote.
bool settings_changed(const PipelineConfig& config, size_t index) {
  if (!config.tokenizer) return false;
  const std::string path = write_settings_path(config.output_dir, index);
  return !std::filesystem::exists(path) || read_file(path) != write_settings(config);
}

void write_one(const PipelineConfig& config, size_t index, bool dedup_ran, int threads) {
  const std::string& out = config.output_dir;
  RunStats stats(config.explain);
  std::vector<Removal> removals;
  if (dedup_ran) removals = read_removals(removal_path(out, index));
  remove_stale_temporaries(out + "/clean", index_name(index) + ".");
  remove_stale_temporaries(out + "/tokens", "train-" + index_name(index) + ".");
  remove_stale_temporaries(out + "/tokens", "val-" + index_name(index) + ".");

  JsonlWriter clean(clean_path(out, index, config.jsonl_zstd_level > 0), config.jsonl_zstd_level);
  std::vector<std::unique_ptr<TokenEncoder>> encoders;
  std::unique_ptr<TokenShardWriter> train, val;
  if (config.tokenizer) {
    for (int t = 0; t < std::max(1, threads); ++t) encoders.push_back(config.tokenizer());
    train = std::make_unique<TokenShardWriter>(token_shard_path(out, "train", index),
                                               encoders[0]->vocab_size(), encoders[0]->bos_id());
    val = std::make_unique<TokenShardWriter>(token_shard_path(out, "val", index),
                                             encoders[0]->vocab_size(), encoders[0]->bos_id());
  }
  std::vector<PendingDoc> batch;
  size_t batch_bytes = 0;
  auto flush = [&] {
    if (!encoders.empty() && !batch.empty()) {
      // Static split into contiguous ranges, one encoder per thread.
      size_t n_threads = std::min(encoders.size(), batch.size());
      std::vector<std::thread> pool;
      std::exception_ptr error;
      std::mutex mu;
      for (size_t t = 0; t < n_threads; ++t) {
        auto work = [&, t] {
          try {
            for (size_t i = t; i < batch.size(); i += n_threads) batch[i].tokens = encoders[t]->encode(batch[i].text);
          } catch (...) {
            std::lock_guard<std::mutex> lock(mu);
            if (!error) error = std::current_exception();
          }
        };
        if (t + 1 < n_threads) pool.emplace_back(work);
        else work();
      }
      for (auto& th : pool) th.join();
      if (error) std::rethrow_exception(error);
    }
    for (auto& d : batch) {
      clean.write_line(d.line);
      if (encoders.empty()) continue;
      (d.is_val ? val : train)->add_document(d.tokens);
      stats.add_counter(d.is_val ? "tokens_val" : "tokens_train", d.tokens.size() + 1);
      stats.add_counter(d.is_val ? "docs_val" : "docs_train", 1);
    }
    batch.clear();
    batch_bytes = 0;
  };

  ByteReader reader(stage1_docs_path(out, index));
  // Stage 1 wrote these lines itself; a line limit well above max_text_bytes only
  // guards against a damaged file.
  JsonlReader jr(reader, "text", config.max_text_bytes * 8 + (1 << 20));
  Document doc;
  uint32_t doc_index = 0;
  size_t next_removal = 0;
  while (jr.next(doc)) {
    uint32_t i = doc_index++;
    while (next_removal < removals.size() && removals[next_removal].doc_index < i) ++next_removal;
    bool removed = next_removal < removals.size() && removals[next_removal].doc_index == i;
    DupKind kind = removed ? removals[next_removal].kind : DupKind::Near;
    stats.stage_in("dedup_exact", doc.text.size());
    if (removed && kind == DupKind::Exact) {
      stats.removed("dedup_exact", "exact_duplicate", doc);
      continue;
    }
    stats.stage_out("dedup_exact", doc.text.size());
    stats.stage_in("dedup_minhash", doc.text.size());
    if (removed) {
      stats.removed("dedup_minhash", "near_duplicate", doc);
      continue;
    }
    stats.stage_out("dedup_minhash", doc.text.size());
    PendingDoc p;
    // Stage 1 wrote the line with all metadata; it goes out unchanged.
    p.line = jr.last_line();
    // The split depends only on the document, so reruns and slices agree.
    uint64_t h = hash_str(doc.id.empty() ? doc.text : doc.id, 0x5E11);
    p.is_val = static_cast<double>(h % 1000000) < config.val_fraction * 1000000.0;
    batch_bytes += p.line.size() + doc.text.size();
    if (!encoders.empty()) p.text = std::move(doc.text);
    batch.push_back(std::move(p));
    if (batch.size() >= kWriteBatchDocs || batch_bytes >= kWriteBatchBytes) flush();
  }
  flush();
  for (auto& e : jr.take_errors()) {
    // Our own intermediate file is damaged: that is not skippable input data.
    ErrorBuilder("data") << "stage 1 output is damaged (" << e.message
                         << "); delete " << stage1_stats_path(out, index) << " and rerun";
  }
  clean.commit();
  if (train) train->commit();
  if (val) val->commit();
  write_file_atomic(write_settings_path(out, index), write_settings(config));
  write_stats(stage3_stats_path(out, index), stats);
}

}  // namespace

void run_write_stage(const PipelineConfig& config) {
  auto inputs = load_manifest(config);
  const std::string& out = config.output_dir;
  bool dedup_on = config.dedup_exact || config.dedup_minhash;
  bool dedup_ran = std::filesystem::exists(dedup_stats_path(out));
  if (dedup_on && !dedup_ran)
    ErrorBuilder("data") << "the dedup stage has not run in " << out
                         << " (run `llmforge data run --stage dedup`, or pass --no-dedup)";
  for (const char* d : {"/clean", "/tokens", "/stage3"}) std::filesystem::create_directories(out + d);
  std::vector<size_t> todo;
  size_t rewrite = 0;
  for (size_t i : slice_indices(inputs.size(), config.shard_index, config.shard_count)) {
    if (!std::filesystem::exists(stage1_stats_path(out, i)))
      ErrorBuilder("data") << "stage 1 has not finished input " << i << " (" << inputs[i].path << ")";
    if (std::filesystem::exists(stage3_stats_path(out, i))) {
      if (!settings_changed(config, i)) continue;
      ++rewrite;
    }
    todo.push_back(i);
  }
  LLMF_LOG(Info) << "write: " << todo.size() << " files to do";
  if (rewrite > 0) {
    LLMF_LOG(Info) << "write: " << rewrite
                   << " finished files are written again: they have no token shards for this "
                      "--tokenizer and --val-fraction yet";
  }
  if (todo.empty()) return;
  Progress progress("write", static_cast<int64_t>(todo.size()), "files");
  std::mutex mu;
  int64_t done = 0;
  int threads = resolve_threads(config.threads);
  int files_at_once = std::min<int>(threads, static_cast<int>(todo.size()));
  int per_file = std::max(1, threads / files_at_once);
  parallel_for_each(todo, files_at_once, [&](size_t i) {
    write_one(config, i, dedup_on && dedup_ran, per_file);
    std::lock_guard<std::mutex> lock(mu);
    progress.update(++done);
  });
  progress.finish();
}

}  // namespace llmforge::data
