// The inputs of a run: files and folders (searched recursively) expanded to a
// sorted list of files, each with its format guessed from its name. The order is
// the same on every machine, so `--shard i/n` slices agree on who reads what.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmforge::data {

enum class InputFormat { Warc, Jsonl, Text };

struct InputFile {
  std::string path;
  InputFormat format = InputFormat::Text;
  uint64_t bytes = 0;
};

const char* format_name(InputFormat f);
// From the name: .warc/.wet (+.gz/.zst) -> Warc; .jsonl/.ndjson/.json (+.gz/.zst)
// -> Jsonl; anything else -> Text.
InputFormat guess_format(const std::string& path);
// `format` is "auto", "warc", "jsonl" or "text". Throws Error("data") for a path
// that does not exist or an unknown format.
std::vector<InputFile> list_inputs(const std::vector<std::string>& paths, const std::string& format);

}  // namespace llmforge::data
