// See reference_tiktoken.h.
#include "reference_tiktoken.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace llmforge::test {

std::vector<std::vector<uint32_t>> reference_encode(const std::string& encoding,
                                                    const std::vector<std::string>& texts) {
  namespace fs = std::filesystem;
  std::string node = LLMFORGE_NODE;
  if (node.empty()) throw std::runtime_error("node not found at configure time (install nodejs)");
  fs::path dir = fs::temp_directory_path() / ("llmforge_tok_ref_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path req = dir / (encoding + "_req.json"), resp = dir / (encoding + "_resp.json");
  {
    nlohmann::json j;
    j["encoding"] = encoding;
    j["texts"] = texts;
    std::ofstream(req, std::ios::binary) << j.dump();
  }
  std::string script = std::string(LLMFORGE_SOURCE_DIR) + "/tests/reference/tiktoken_encode.js";
  std::string cmd = "'" + node + "' '" + script + "' < '" + req.string() + "' > '" + resp.string() + "'";
  int rc = std::system(cmd.c_str());
  if (rc != 0) {
    fs::remove_all(dir);
    throw std::runtime_error("reference encoder failed (exit " + std::to_string(rc) + "): " + cmd +
                             "\nIs the npm package installed? Run scripts/npm-deps.sh.");
  }
  std::stringstream ss;
  ss << std::ifstream(resp, std::ios::binary).rdbuf();
  fs::remove_all(dir);
  return nlohmann::json::parse(ss.str()).get<std::vector<std::vector<uint32_t>>>();
}

}  // namespace llmforge::test
