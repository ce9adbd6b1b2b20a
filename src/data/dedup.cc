#include "data/dedup.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/log.h"
#include "data/text_utils.h"

namespace llmforge::data {

namespace {
constexpr char kSigMagic[8] = {'L', 'L', 'M', 'F', 'S', 'I', 'G', '1'};
constexpr size_t kSigHeader = 16;  // magic + u32 n_bands + u32 reserved
constexpr char kRemovalMagic[8] = {'L', 'L', 'M', 'F', 'R', 'E', 'M', '1'};

size_t record_bytes(int n_bands) { return 16 + 8 * static_cast<size_t>(n_bands); }

struct KeyRef {
  uint64_t key;
  uint64_t doc;  // input_index << 32 | doc_index
  bool operator<(const KeyRef& o) const { return key != o.key ? key < o.key : doc < o.doc; }
};

// Buffered append-only partition files.
class PartitionSet {
 public:
  PartitionSet(const std::string& dir, const std::string& prefix, size_t n) : n_(n) {
    for (size_t i = 0; i < n; ++i) {
      std::string path = dir + "/" + prefix + std::to_string(i) + ".bin";
      std::FILE* f = std::fopen(path.c_str(), "wb+");
      if (!f) ErrorBuilder("data") << "cannot create dedup partition " << path << ": " << std::strerror(errno);
      files_.push_back(f);
      paths_.push_back(path);
    }
  }
  ~PartitionSet() {
    for (size_t i = 0; i < files_.size(); ++i) {
      std::fclose(files_[i]);
      std::remove(paths_[i].c_str());
    }
  }
  void add(uint64_t key, uint64_t doc) {
    KeyRef kr{key, doc};
    std::FILE* f = files_[key % n_];
    if (std::fwrite(&kr, sizeof kr, 1, f) != 1)
      ErrorBuilder("data") << "write failed for a dedup partition (disk full?)";
  }
  std::vector<KeyRef> load(size_t i) {
    std::FILE* f = files_[i];
    std::fflush(f);
    long size = std::ftell(f);
    std::vector<KeyRef> v(static_cast<size_t>(size) / sizeof(KeyRef));
    std::rewind(f);
    if (!v.empty() && std::fread(v.data(), sizeof(KeyRef), v.size(), f) != v.size())
      ErrorBuilder("data") << "cannot read back dedup partition " << paths_[i];
    return v;
  }
  size_t size() const { return n_; }

 private:
  size_t n_;
  std::vector<std::FILE*> files_;
  std::vector<std::string> paths_;
};

class UnionFind {
 public:
  uint64_t find(uint64_t x) {
    auto it = parent_.find(x);
    if (it == parent_.end()) return x;
    uint64_t root = x;
    while (true) {
      auto p = parent_.find(root);
      if (p == parent_.end() || p->second == root) break;
      root = p->second;
    }
    // Path compression.
    while (x != root) {
      auto p = parent_.find(x);
      uint64_t next = p->second;
      p->second = root;
      x = next;
    }
    return root;
  }
  // The smaller document (earlier in input order) becomes the root: it is kept.
  void unite(uint64_t a, uint64_t b) {
    uint64_t ra = find(a);
    uint64_t rb = find(b);
    if (ra == rb) return;
    if (ra > rb) std::swap(ra, rb);
    parent_[rb] = ra;
    parent_.emplace(ra, ra);
  }
  const std::unordered_map<uint64_t, uint64_t>& nodes() const { return parent_; }

 private:
  std::unordered_map<uint64_t, uint64_t> parent_;
};

}  // namespace

SignatureWriter::SignatureWriter(const std::string& path, int n_bands)
    : file_(path), n_bands_(n_bands) {
  LLMF_CHECK(n_bands > 0 && n_bands <= kMaxBands) << "n_bands " << n_bands;
  char header[kSigHeader] = {};
  std::memcpy(header, kSigMagic, 8);
  uint32_t nb = static_cast<uint32_t>(n_bands);
  std::memcpy(header + 8, &nb, 4);
  file_.write(header, kSigHeader);
}

void SignatureWriter::add(const SignatureRecord& rec) {
  char buf[16 + 8 * kMaxBands];
  std::memcpy(buf, &rec.doc_index, 4);
  std::memcpy(buf + 4, &rec.text_bytes, 4);
  std::memcpy(buf + 8, &rec.exact, 8);
  std::memcpy(buf + 16, rec.bands, 8 * n_bands_);
  file_.write(buf, record_bytes(n_bands_));
}

SignatureReader::SignatureReader(const std::string& path) : path_(path) {
  f_ = std::fopen(path.c_str(), "rb");
  if (!f_) ErrorBuilder("data") << "cannot open signature file " << path << ": " << std::strerror(errno);
  char header[kSigHeader];
  if (std::fread(header, 1, kSigHeader, f_) != kSigHeader || std::memcmp(header, kSigMagic, 8) != 0)
    ErrorBuilder("data") << path << " is not a llmforge signature file";
  uint32_t nb;
  std::memcpy(&nb, header + 8, 4);
  if (nb == 0 || nb > kMaxBands) ErrorBuilder("data") << path << ": bad band count " << nb;
  n_bands_ = static_cast<int>(nb);
  std::fseek(f_, 0, SEEK_END);
  uint64_t size = static_cast<uint64_t>(std::ftell(f_));
  std::fseek(f_, kSigHeader, SEEK_SET);
  uint64_t payload = size - kSigHeader;
  if (payload % record_bytes(n_bands_) != 0)
    ErrorBuilder("data") << path << " is truncated (" << payload << " bytes of records, not a multiple of "
                         << record_bytes(n_bands_) << ")";
  count_ = payload / record_bytes(n_bands_);
}

SignatureReader::~SignatureReader() {
  if (f_) std::fclose(f_);
}

bool SignatureReader::next(SignatureRecord& rec) {
  if (read_ >= count_) return false;
  char buf[16 + 8 * kMaxBands];
  size_t n = record_bytes(n_bands_);
  if (std::fread(buf, 1, n, f_) != n) ErrorBuilder("data") << "short read in " << path_;
  std::memcpy(&rec.doc_index, buf, 4);
  std::memcpy(&rec.text_bytes, buf + 4, 4);
  std::memcpy(&rec.exact, buf + 8, 8);
  std::memcpy(rec.bands, buf + 16, 8 * n_bands_);
  ++read_;
  return true;
}

void write_removals(const std::string& path, const std::vector<Removal>& removals) {
  std::string data(kRemovalMagic, 8);
  uint64_t n = removals.size();
  data.append(reinterpret_cast<const char*>(&n), 8);
  for (const auto& r : removals) {
    uint32_t v = r.doc_index | static_cast<uint32_t>(r.kind);
    data.append(reinterpret_cast<const char*>(&v), 4);
  }
  write_file_atomic(path, data);
}

std::vector<Removal> read_removals(const std::string& path) {
  std::string data = read_file(path);
  if (data.size() < 16 || std::memcmp(data.data(), kRemovalMagic, 8) != 0)
    ErrorBuilder("data") << path << " is not a llmforge removal file";
  uint64_t n;
  std::memcpy(&n, data.data() + 8, 8);
  if (data.size() != 16 + 4 * n)
    ErrorBuilder("data") << path << " is truncated: header says " << n << " entries";
  std::vector<Removal> out(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t v;
    std::memcpy(&v, data.data() + 16 + 4 * i, 4);
    out[i].doc_index = v & 0x7FFFFFFFu;
    out[i].kind = (v & 0x80000000u) ? DupKind::Exact : DupKind::Near;
  }
  return out;
}

void run_dedup(const std::vector<DedupInput>& inputs, const DedupConfig& config, RunStats& stats) {
  namespace fs = std::filesystem;
  fs::create_directories(config.tmp_dir);
  // Size the partitions from the number of keys: 16 bytes per key, 1 + n_bands keys per doc.
  uint64_t total_docs = 0;
  int n_bands = 0;
  for (const auto& in : inputs) {
    SignatureReader r(in.signature_path);
    total_docs += r.count();
    if (n_bands == 0) n_bands = r.n_bands();
    if (r.n_bands() != n_bands)
      ErrorBuilder("data") << in.signature_path << " has " << r.n_bands() << " bands, others "
                           << n_bands << ": signatures from different MinHash settings";
  }
  uint64_t band_bytes = total_docs * static_cast<uint64_t>(n_bands) * sizeof(KeyRef);
  // Every partition is an open file: raise the soft descriptor limit to the hard
  // one and stay below it (at 1 GB per partition, 1,000 partitions is 1 TB of keys,
  // about 5 billion documents).
  rlimit lim{};
  uint64_t max_files = 1024;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    if (lim.rlim_cur < lim.rlim_max) {
      lim.rlim_cur = lim.rlim_max;
      setrlimit(RLIMIT_NOFILE, &lim);
      getrlimit(RLIMIT_NOFILE, &lim);
    }
    max_files = lim.rlim_cur;
  }
  uint64_t max_parts = std::clamp<uint64_t>(max_files > 128 ? (max_files - 128) * 14 / 15 : 1, 1, 4096);
  uint64_t wanted = band_bytes / std::max<uint64_t>(config.memory_bytes, 4096) + 1;
  if (wanted > max_parts) {
    LLMF_LOG(Warn) << "dedup: " << wanted << " partitions wanted for the memory budget, " << max_parts
                   << " possible with the open-file limit; partitions will be larger than the budget";
  }
  size_t n_parts = static_cast<size_t>(std::min(wanted, max_parts));
  size_t n_exact_parts = std::max<size_t>(1, n_parts / std::max(n_bands, 1));
  stats.add_counter("dedup_partitions", n_parts);

  PartitionSet exact_parts(config.tmp_dir, "exact_", n_exact_parts);
  PartitionSet band_parts(config.tmp_dir, "band_", n_parts);
  for (const auto& in : inputs) {
    SignatureReader r(in.signature_path);
    SignatureRecord rec;
    while (r.next(rec)) {
      uint64_t doc = (static_cast<uint64_t>(in.input_index) << 32) | rec.doc_index;
      if (config.exact) exact_parts.add(mix64(rec.exact), doc);
      if (config.minhash)
        for (int b = 0; b < n_bands; ++b) band_parts.add(mix64(rec.bands[b] ^ (0x9E37ull * (b + 1))), doc);
    }
  }

  std::unordered_set<uint64_t> exact_removed;
  for (size_t p = 0; config.exact && p < exact_parts.size(); ++p) {
    auto v = exact_parts.load(p);
    std::sort(v.begin(), v.end());
    for (size_t i = 1; i < v.size(); ++i)
      if (v[i].key == v[i - 1].key) exact_removed.insert(v[i].doc);
  }

  UnionFind uf;
  for (size_t p = 0; config.minhash && p < band_parts.size(); ++p) {
    auto v = band_parts.load(p);
    v.erase(std::remove_if(v.begin(), v.end(), [&](const KeyRef& k) { return exact_removed.count(k.doc) > 0; }),
            v.end());
    std::sort(v.begin(), v.end());
    size_t i = 0;
    while (i < v.size()) {
      size_t j = i + 1;
      while (j < v.size() && v[j].key == v[i].key) {
        uf.unite(v[i].doc, v[j].doc);
        ++j;
      }
      i = j;
    }
  }

  std::unordered_map<uint32_t, std::vector<Removal>> per_input;
  for (uint64_t d : exact_removed)
    per_input[static_cast<uint32_t>(d >> 32)].push_back({static_cast<uint32_t>(d), DupKind::Exact});
  uint64_t clusters = 0;
  uint64_t near = 0;
  for (const auto& [node, parent] : uf.nodes()) {
    uint64_t root = uf.find(node);
    if (root == node) {
      ++clusters;
    } else {
      ++near;
      per_input[static_cast<uint32_t>(node >> 32)].push_back({static_cast<uint32_t>(node), DupKind::Near});
    }
  }
  stats.add_counter("dedup_docs_seen", total_docs);
  stats.add_counter("dedup_exact_duplicates", exact_removed.size());
  stats.add_counter("dedup_near_duplicates", near);
  stats.add_counter("dedup_near_duplicate_clusters", clusters);
  for (const auto& in : inputs) {
    auto& v = per_input[in.input_index];
    std::sort(v.begin(), v.end(), [](const Removal& a, const Removal& b) { return a.doc_index < b.doc_index; });
    write_removals(in.removal_path, v);
  }
  LLMF_LOG(Info) << "dedup: " << total_docs << " documents, " << exact_removed.size()
                 << " exact and " << near << " near duplicates in " << clusters << " clusters";
}

}  // namespace llmforge::data
