// `llmforge tokenizer train|encode|decode|show|stats`: train a byte-level BPE
// tokenizer, and inspect how any tokenizer (ours, gpt2, cl100k_base, o200k_base, a
// tokenizer.json or a model directory) cuts text into tokens.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/atomic_file.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "core/markup.h"
#include "core/timer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/trainer.h"
#include "tokenizer/unicode.h"

namespace llmforge {
namespace {

constexpr char kEncodingHelp[] =
    "gpt2, r50k_base, p50k_base, cl100k_base, o200k_base, a .tiktoken or tokenizer.json file, "
    "or a model directory";

std::string read_stdin() {
  std::ostringstream ss;
  ss << std::cin.rdbuf();
  return ss.str();
}

AllowedSpecial allowed_from(const CliOptions& opts) {
  if (opts.get_bool("allow-special")) return AllowedSpecial::all();
  if (opts.get_bool("special-as-text")) return AllowedSpecial::as_text();
  return AllowedSpecial::none();
}

int run_train(int argc, char** argv) {
  CliOptions opts("llmforge tokenizer train --out DIR FILE...",
                  "Trains a byte-level BPE tokenizer on text files (.jsonl: one document per "
                  "line, field --field) and writes DIR/tokenizer.json and DIR/tokenizer.tiktoken.");
  opts.add("out", "", "directory to write the tokenizer to (e.g. the model directory)")
      .add_alias("output", "out")
      .add("vocab-size", "32768", "vocabulary size, including 256 byte tokens and special tokens")
      .add("field", "text", "JSON field holding the text in .jsonl files")
      .add("max-doc-chars", "0", "cut each document after this many characters (0: no cap)")
      .add("special", "", "extra special tokens, comma-separated (the chat tokens are always reserved)")
      .add("pattern", "qwen2",
           "split pattern: qwen2 (cl100k with digits one by one; llama.cpp runs it exactly), "
           "llmforge (o200k with digits one by one), o200k, cl100k, gpt2")
      .add("name", "llmforge", "tokenizer name stored in the files")
      .allow_positional("FILE", "training text files");
  add_threads_option(opts, "counting");
  if (!opts.parse(argc, argv)) return 0;
  if (opts.get("out").empty()) throw Error("tokenizer", "--out DIR is required");
  if (opts.positional().empty()) throw Error("tokenizer", "no training files given");
  TrainerOptions o;
  o.vocab_size = static_cast<uint32_t>(opts.get_int("vocab-size"));
  o.max_doc_chars = static_cast<size_t>(opts.get_int("max-doc-chars"));
  o.extra_special_tokens = split_comma_list(opts.get("special"));
  o.n_threads = threads_from_options(opts);
  o.name = opts.get("name");
  o.progress = true;
  auto pattern = split_pattern_from_name(opts.get("pattern"));
  if (!pattern) ErrorBuilder("tokenizer") << "unknown --pattern " << opts.get("pattern");
  o.pattern = *pattern;
  Timer timer;
  BpeTrainer trainer(o);
  for (const std::string& f : opts.positional()) trainer.add_file(f, opts.get("field"));
  double count_s = timer.seconds();
  std::fprintf(stderr, "counted %llu documents, %.1f MB, %zu distinct pieces in %.1f s\n",
               static_cast<unsigned long long>(trainer.documents()), trainer.bytes() / 1e6,
               trainer.unique_pieces(), count_s);
  Tokenizer tok = trainer.train();
  std::filesystem::create_directories(opts.get("out"));
  std::string dir = opts.get("out");
  tok.save_tokenizer_json(dir + "/tokenizer.json");
  tok.save_tiktoken(dir + "/tokenizer.tiktoken");
  std::printf("trained %u tokens in %.1f s (counting %.1f s): %s/tokenizer.json, %s/tokenizer.tiktoken\n",
              tok.vocab_size(), timer.seconds(), count_s, dir.c_str(), dir.c_str());
  return 0;
}

int run_encode(int argc, char** argv) {
  CliOptions opts("llmforge tokenizer encode", "Reads UTF-8 text on stdin, prints token ids separated by spaces.");
  opts.add("encoding", "cl100k_base", kEncodingHelp)
      .add_flag("allow-special", "encode special token strings (e.g. <|bos|>) as special tokens")
      .add_flag("special-as-text", "encode special token strings as ordinary text instead of failing");
  if (!opts.parse(argc, argv)) return 0;
  Tokenizer tok = Tokenizer::load(opts.get("encoding"));
  std::vector<uint32_t> ids = tok.encode(read_stdin(), allowed_from(opts));
  std::string out;
  out.reserve(ids.size() * 6);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ' ';
    out += std::to_string(ids[i]);
  }
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int run_decode(int argc, char** argv) {
  CliOptions opts("llmforge tokenizer decode", "Reads token ids (separated by white space) on stdin, writes the bytes they stand for.");
  opts.add("encoding", "cl100k_base", kEncodingHelp)
      .add_flag("replace-invalid", "write invalid UTF-8 as U+FFFD instead of the raw bytes");
  if (!opts.parse(argc, argv)) return 0;
  Tokenizer tok = Tokenizer::load(opts.get("encoding"));
  std::string in = read_stdin();
  std::vector<uint32_t> ids;
  std::istringstream ss(in);
  std::string word;
  while (ss >> word) {
    size_t used = 0;
    unsigned long v = 0;
    try {
      v = std::stoul(word, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != word.size() || v > 0xFFFFFFFFul)
      ErrorBuilder("tokenizer") << "stdin: '" << word << "' (token " << ids.size() << ") is not a token id";
    ids.push_back(static_cast<uint32_t>(v));
  }
  std::string out = opts.get_bool("replace-invalid") ? tok.decode_text(ids) : tok.decode(ids);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

// Groups consecutive tokens until their bytes are whole UTF-8 characters, so a
// character split over two tokens shows as one span with both ids.
struct Span {
  std::string text;
  std::vector<uint32_t> ids;
  bool special = false;
};
std::vector<Span> spans_of(const Tokenizer& tok, const std::vector<uint32_t>& ids) {
  std::vector<Span> spans;
  Span cur;
  for (uint32_t id : ids) {
    cur.text += tok.token_bytes(id);
    cur.ids.push_back(id);
    cur.special = tok.is_special(id);
    bool whole = utf8_valid(reinterpret_cast<const uint8_t*>(cur.text.data()), cur.text.size());
    if (whole || cur.ids.size() >= 4) {
      if (!whole) cur.text = tok.decode_text(cur.ids);
      spans.push_back(std::move(cur));
      cur = Span();
    }
  }
  if (!cur.ids.empty()) {
    cur.text = tok.decode_text(cur.ids);
    spans.push_back(std::move(cur));
  }
  return spans;
}

int run_show(int argc, char** argv) {
  CliOptions opts("llmforge tokenizer show [TEXT]",
                  "Shows how text (TEXT or stdin) is cut into tokens: each token a coloured span, "
                  "then the ids. --html writes a standalone HTML page instead.");
  opts.add("encoding", "cl100k_base", kEncodingHelp)
      .add_flag("html", "write HTML (token id on hover) instead of terminal colours")
      .add_flag("allow-special", "show special token strings as special tokens")
      .allow_positional("TEXT", "text to show (default: stdin)");
  if (!opts.parse(argc, argv)) return 0;
  Tokenizer tok = Tokenizer::load(opts.get("encoding"));
  std::string text;
  for (const std::string& p : opts.positional()) {
    if (!text.empty()) text += ' ';
    text += p;
  }
  if (opts.positional().empty()) text = read_stdin();
  AllowedSpecial allowed = opts.get_bool("allow-special") ? AllowedSpecial::all() : AllowedSpecial::as_text();
  std::vector<uint32_t> ids = tok.encode(text, allowed);
  std::vector<Span> spans = spans_of(tok, ids);
  std::string ids_line;
  for (uint32_t id : ids) {
    if (!ids_line.empty()) ids_line += ' ';
    ids_line += std::to_string(id);
  }
  std::string out;
  if (opts.get_bool("html")) {
    static const char* kColors[] = {"#c7e9c0", "#fdd0a2", "#c6dbef", "#fcbba1", "#dadaeb", "#fff3b0"};
    out = "<!doctype html><meta charset=\"utf-8\"><title>" + markup_escape(tok.name()) +
          " tokens</title>\n<style>body{font-family:sans-serif}.t{white-space:pre-wrap;"
          "font-family:monospace;line-height:1.8}.t span{border-radius:3px}.s{outline:1px solid #555}"
          "</style>\n<p>" + markup_escape(tok.name()) + ": " + std::to_string(ids.size()) + " tokens, " +
          std::to_string(text.size()) + " bytes</p>\n<div class=\"t\">";
    for (size_t i = 0; i < spans.size(); ++i) {
      std::string title;
      for (uint32_t id : spans[i].ids) {
        if (!title.empty()) title += ' ';
        title += std::to_string(id);
      }
      out += std::string("<span") + (spans[i].special ? " class=\"s\"" : "") + " style=\"background:" +
             kColors[i % 6] + "\" title=\"" + title + "\">" + markup_escape(spans[i].text) + "</span>";
    }
    out += "</div>\n<p style=\"font-family:monospace\">" + ids_line + "</p>\n";
  } else {
    static const int kColors[] = {194, 223, 153, 217, 189, 229};
    for (size_t i = 0; i < spans.size(); ++i) {
      std::string shown;
      for (char c : spans[i].text) shown += c == '\n' ? std::string("\xE2\x86\xB5\n") : std::string(1, c);
      out += "\x1b[30;48;5;" + std::to_string(kColors[i % 6]) + "m" + shown + "\x1b[0m";
    }
    out += "\n\n" + std::to_string(ids.size()) + " tokens (" + tok.name() + "): " + ids_line + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int run_stats(int argc, char** argv) {
  CliOptions opts("llmforge tokenizer stats [FILE...]",
                  "Bytes per token, characters per token and vocabulary use on files (or stdin).");
  opts.add("encoding", "cl100k_base", kEncodingHelp)
      .add("top", "10", "list this many most frequent tokens")
      .allow_positional("FILE", "text files (default: stdin)");
  if (!opts.parse(argc, argv)) return 0;
  Tokenizer tok = Tokenizer::load(opts.get("encoding"));
  std::vector<std::string> texts;
  for (const std::string& f : opts.positional()) texts.push_back(read_file(f));
  if (texts.empty()) texts.push_back(read_stdin());
  Timer timer;
  auto encoded = tok.encode_batch(texts, 0, AllowedSpecial::as_text());
  double seconds = timer.seconds();
  std::vector<uint64_t> uses(tok.vocab_size(), 0);
  uint64_t bytes = 0, chars = 0, tokens = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    bytes += texts[i].size();
    for (char c : texts[i]) chars += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
    tokens += encoded[i].size();
    for (uint32_t id : encoded[i]) ++uses[id];
  }
  uint64_t distinct = std::count_if(uses.begin(), uses.end(), [](uint64_t u) { return u > 0; });
  std::printf("tokenizer        %s (vocabulary %u)\n", tok.name().c_str(), tok.vocab_size());
  std::printf("bytes            %llu\ncharacters       %llu\ntokens           %llu\n",
              (unsigned long long)bytes, (unsigned long long)chars, (unsigned long long)tokens);
  std::printf("bytes/token      %.3f\ncharacters/token %.3f\n", tokens ? double(bytes) / tokens : 0.0,
              tokens ? double(chars) / tokens : 0.0);
  std::printf("vocabulary used  %llu of %u (%.1f%%)\n", (unsigned long long)distinct, tok.vocab_size(),
              100.0 * distinct / std::max(1u, tok.vocab_size()));
  std::printf("encode speed     %.1f MB/s\n", bytes / 1e6 / std::max(seconds, 1e-9));
  std::vector<uint32_t> order;
  for (uint32_t id = 0; id < uses.size(); ++id) if (uses[id]) order.push_back(id);
  size_t top = std::min<size_t>(order.size(), static_cast<size_t>(opts.get_int("top")));
  std::partial_sort(order.begin(), order.begin() + top, order.end(),
                    [&](uint32_t a, uint32_t b) { return uses[a] != uses[b] ? uses[a] > uses[b] : a < b; });
  for (size_t i = 0; i < top; ++i) {
    std::string shown;
    for (char c : tok.token_bytes(order[i])) shown += c == '\n' ? "\\n" : c == '\t' ? "\\t" : std::string(1, c);
    std::printf("  %8u %10llu  '%s'\n", order[i], (unsigned long long)uses[order[i]], shown.c_str());
  }
  return 0;
}

const bool kRegistered = register_command({"tokenizer train", "train a byte-level BPE tokenizer on text", run_train}) &&
                         register_command({"tokenizer encode", "text on stdin -> token ids", run_encode}) &&
                         register_command({"tokenizer decode", "token ids on stdin -> text", run_decode}) &&
                         register_command({"tokenizer show", "show text cut into coloured tokens (or --html)", run_show}) &&
                         register_command({"tokenizer stats", "bytes per token and vocabulary use on files", run_stats});

}  // namespace
}  // namespace llmforge
