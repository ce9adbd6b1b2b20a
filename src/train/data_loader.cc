#include "train/data_loader.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "core/rng.h"

namespace llmforge {

std::vector<std::string> find_shards(const std::string& dir, const std::string& split) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const std::string& d : {dir + "/tokens", dir}) {
    if (!fs::is_directory(d)) continue;
    for (const auto& e : fs::directory_iterator(d)) {
      std::string name = e.path().filename().string();
      if (e.is_regular_file() && name.rfind(split + "-", 0) == 0 && e.path().extension() == ".bin")
        out.push_back(e.path().string());
    }
    if (!out.empty()) break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

DataLoader::DataLoader(std::vector<std::string> shard_paths, int seq_len, bool align_to_documents,
                       uint64_t seed, int rank, int world)
    : seq_len_(seq_len), seed_(seed), rank_(rank), world_(world) {
  if (seq_len <= 0) ErrorBuilder("shards") << "sequence length must be positive";
  if (shard_paths.empty()) ErrorBuilder("shards") << "no token shards given";
  for (const std::string& path : shard_paths) {
    auto shard = std::make_unique<data::TokenShard>(path);
    const auto& h = shard->header();
    if (vocab_size_ == 0) {
      vocab_size_ = h.vocab_size;
      bos_id_ = h.bos_id;
    } else if (h.vocab_size != vocab_size_ || h.bos_id != bos_id_) {
      ErrorBuilder("shards") << path << ": vocabulary " << h.vocab_size << " / BOS " << h.bos_id
                               << " differs from the first shard's " << vocab_size_ << " / "
                               << bos_id_ << " (shards from different tokenizers?)";
    }
    const uint32_t index = uint32_t(shards_.size());
    const uint64_t n = shard->size();
    total_tokens_ += n;
    if (n >= uint64_t(seq_len) + 1) {
      if (align_to_documents) {
        for (uint64_t i = 0; i + seq_len + 1 <= n; ++i)
          if ((*shard)[i] == bos_id_) starts_.push_back({index, i});
      } else {
        for (uint64_t i = 0; i + seq_len + 1 <= n; i += seq_len) starts_.push_back({index, i});
      }
    }
    shards_.push_back(std::move(shard));
  }
  if (starts_.empty()) {
    ErrorBuilder("shards") << "the shards hold no window of " << seq_len + 1
                             << " tokens (total " << total_tokens_ << " tokens)";
  }
  if (starts_.size() < uint64_t(world_)) {
    ErrorBuilder("shards") << starts_.size() << " windows cannot be split across " << world_
                             << " processes";
  }
  build_permutation();
}

void DataLoader::build_permutation() {
  permutation_.resize(starts_.size());
  for (uint64_t i = 0; i < permutation_.size(); ++i) permutation_[i] = i;
  // Fisher-Yates with our own RNG: identical on every platform.
  Rng rng(seed_ * 0x9E3779B97F4A7C15ull + pos_.epoch + 1);
  shuffle_in_place(permutation_, rng);
}

void DataLoader::set_position(LoaderPosition p) {
  bool new_epoch = p.epoch != pos_.epoch;
  pos_ = p;
  if (new_epoch) build_permutation();
}

void DataLoader::read_window(const Start& s, int32_t* inputs, int32_t* targets) const {
  const data::TokenShard& shard = *shards_[s.shard];
  for (int i = 0; i < seq_len_; ++i) {
    inputs[i] = int32_t(shard[s.offset + i]);
    targets[i] = int32_t(shard[s.offset + i + 1]);
  }
}

void DataLoader::next_batch(int batch, std::vector<int32_t>& inputs, std::vector<int32_t>& targets) {
  inputs.resize(size_t(batch) * seq_len_);
  targets.resize(size_t(batch) * seq_len_);
  for (int b = 0; b < batch; ++b) {
    // Each call consumes `world` positions; this rank reads the one at its offset.
    if (pos_.cursor + world_ > permutation_.size()) {
      set_position({pos_.epoch + 1, 0});
    }
    const Start& s = starts_[permutation_[pos_.cursor + rank_]];
    read_window(s, inputs.data() + size_t(b) * seq_len_, targets.data() + size_t(b) * seq_len_);
    pos_.cursor += world_;
  }
}

void DataLoader::first_windows(int n, std::vector<int32_t>& inputs,
                               std::vector<int32_t>& targets) const {
  n = int(std::min<uint64_t>(n, starts_.size()));
  inputs.resize(size_t(n) * seq_len_);
  targets.resize(size_t(n) * seq_len_);
  for (int i = 0; i < n; ++i)
    read_window(starts_[i], inputs.data() + size_t(i) * seq_len_, targets.data() + size_t(i) * seq_len_);
}

}  // namespace llmforge
