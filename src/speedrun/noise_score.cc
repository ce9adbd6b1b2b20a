#include "speedrun/noise_score.h"

#include <filesystem>

#include "core/error.h"
#include "data/byte_reader.h"
#include "data/jsonl_reader.h"

namespace llmforge {

std::set<std::string> kept_urls(const std::string& data_dir) {
  const std::string clean = data_dir + "/clean";
  if (!std::filesystem::is_directory(clean)) ErrorBuilder("speedrun") << clean << ": no clean/ folder (did the data run finish?)";
  std::set<std::string> urls;
  for (const auto& e : std::filesystem::directory_iterator(clean)) {
    data::ByteReader in(e.path().string());
    data::JsonlReader reader(in, "text", 64 << 20);
    data::Document doc;
    while (reader.next(doc)) urls.insert(doc.url);
    if (!reader.take_errors().empty()) ErrorBuilder("speedrun") << e.path().string() << ": unreadable lines";
  }
  return urls;
}

world::NoiseRemovalScore score_data_run(const std::string& world_dir, const std::string& data_dir) {
  return world::score_noise_removal(world::read_labels(world_dir), kept_urls(data_dir));
}

}  // namespace llmforge
