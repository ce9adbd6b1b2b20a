// Helpers shared by the pipeline's stage files; not part of the public interface.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "data/input_files.h"
#include "data/pipeline.h"

namespace llmforge::data::internal {

std::string index_name(size_t index);  // 000042
std::string stage1_sig_path(const std::string& out, size_t index);
std::string stage1_stats_path(const std::string& out, size_t index);
std::string removal_path(const std::string& out, size_t index);
std::string dedup_stats_path(const std::string& out);
std::string stage3_stats_path(const std::string& out, size_t index);

// Lists the inputs and checks them against (or creates) manifest.json.
std::vector<InputFile> load_manifest(const PipelineConfig& config);
// Indices of this slice (index % shard_count == shard_index).
std::vector<size_t> slice_indices(size_t n, int shard_index, int shard_count);
// Runs `work(index)` for each index on `threads` threads; rethrows the first error.
void parallel_for_each(const std::vector<size_t>& indices, int threads,
                       const std::function<void(size_t)>& work);
int resolve_threads(int threads);
void remove_stale_temporaries(const std::string& dir, const std::string& prefix);
void write_stats(const std::string& path, const RunStats& stats);

}  // namespace llmforge::data::internal
