#include "train/metrics_log.h"

#include <cerrno>
#include <cstring>
#include <fstream>

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

std::map<std::string, MetricSeries> read_metrics_log(const std::string& path,
                                                     const std::vector<std::string>& fields) {
  std::ifstream in(path);
  if (!in) ErrorBuilder("io") << "cannot open metrics log " << path;
  std::map<std::string, MetricSeries> series;
  for (const std::string& f : fields) series[f];
  std::string line;
  long line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      if (in.peek() == EOF) break;
      ErrorBuilder("io") << path << ":" << line_no << ": not a JSON object";
    }
    if (!j.contains("step") || !j["step"].is_number()) continue;
    const double step = j["step"].get<double>();
    for (auto& [field, s] : series) {
      auto it = j.find(field);
      if (it != j.end() && it->is_number()) s.step.push_back(step), s.value.push_back(it->get<double>());
    }
  }
  return series;
}

}  // namespace llmforge
