// Which crawl pages survived the data pipeline, scored against the world's labels.
#pragma once

#include <set>
#include <string>

#include "world/world_io.h"

namespace llmforge {

// URLs of the documents in a data pipeline output's clean/ folder.
std::set<std::string> kept_urls(const std::string& data_dir);

world::NoiseRemovalScore score_data_run(const std::string& world_dir, const std::string& data_dir);

}  // namespace llmforge
