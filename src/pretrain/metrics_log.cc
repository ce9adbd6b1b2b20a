#include "pretrain/metrics_log.h"

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace llmforge {

MetricsLog::MetricsLog(const std::string& path, bool append) {
  if (path.empty()) return;
  file_ = std::fopen(path.c_str(), append ? "a" : "w");
  if (!file_) ErrorBuilder("io") << "cannot open " << path << ": " << std::strerror(errno);
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::write(const nlohmann::json& record) {
  if (!file_) return;
  std::string line = record.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace llmforge
