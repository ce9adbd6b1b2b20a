#include "data/input_files.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "data/text_utils.h"

namespace llmforge::data {

const char* format_name(InputFormat f) {
  switch (f) {
    case InputFormat::Warc: return "warc";
    case InputFormat::Jsonl: return "jsonl";
    case InputFormat::Text: return "text";
  }
  return "?";
}

InputFormat guess_format(const std::string& path) {
  std::string p = to_lower_ascii(path);
  for (const char* ext : {".gz", ".zst", ".zstd"})
    if (ends_with(p, ext)) p.resize(p.size() - std::string_view(ext).size());
  if (ends_with(p, ".warc") || ends_with(p, ".wet") || ends_with(p, ".arc")) return InputFormat::Warc;
  if (ends_with(p, ".jsonl") || ends_with(p, ".ndjson") || ends_with(p, ".json")) return InputFormat::Jsonl;
  return InputFormat::Text;
}

std::vector<InputFile> list_inputs(const std::vector<std::string>& paths, const std::string& format) {
  namespace fs = std::filesystem;
  if (format != "auto" && format != "warc" && format != "jsonl" && format != "text")
    ErrorBuilder("data") << "unknown input format '" << format << "' (auto, warc, jsonl or text)";
  std::vector<InputFile> out;
  auto add = [&](const fs::path& p) {
    std::string name = p.filename().string();
    if (name.empty() || name[0] == '.') return;  // hidden files and editor leftovers
    InputFile f;
    f.path = p.string();
    f.bytes = fs::file_size(p);
    if (format == "auto") f.format = guess_format(f.path);
    else if (format == "warc") f.format = InputFormat::Warc;
    else if (format == "jsonl") f.format = InputFormat::Jsonl;
    else f.format = InputFormat::Text;
    out.push_back(std::move(f));
  };
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file()) add(e.path());
    } else if (fs::is_regular_file(p, ec)) {
      add(p);
    } else {
      ErrorBuilder("data") << "input " << p << " does not exist or is not a file or folder";
    }
  }
  std::sort(out.begin(), out.end(), [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  out.erase(std::unique(out.begin(), out.end(), [](const InputFile& a, const InputFile& b) { return a.path == b.path; }),
            out.end());
  return out;
}

}  // namespace llmforge::data
