// `llmforge data`: the data pipeline from raw crawl files (WARC/WET, JSONL, text) to
// clean JSONL and token shards, with a report of what each stage removed and why.
// `data run` (or plain `data`) runs it, `data report` prints the report of an output
// folder, `data shard-info` checks and describes token shards.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "data/pipeline.h"
#include "data/token_shard.h"
#ifdef LLMFORGE_HAVE_TOKENIZER
#include "data/tokenizer_encoder.h"
#endif

namespace llmforge {
namespace {

using data::PipelineConfig;

// "2:0.20,3:0.18" -> {(2, 0.20), (3, 0.18)}
std::vector<std::pair<int, double>> parse_ngram_list(const std::string& name, const std::string& s) {
  std::vector<std::pair<int, double>> out;
  for (const auto& item : split_comma_list(s)) {
    auto colon = item.find(':');
    try {
      if (colon == std::string::npos) throw std::invalid_argument("no colon");
      out.emplace_back(std::stoi(item.substr(0, colon)), std::stod(item.substr(colon + 1)));
    } catch (const std::exception&) {
      ErrorBuilder("cli") << "--" << name << ": '" << item << "' is not N:FRACTION";
    }
  }
  return out;
}

void add_options(CliOptions& o) {
  o.allow_positional("inputs", "input files or folders (same as --input)");
  o.add("input", "", "comma-separated input files or folders");
  o.add("out", "", "output folder (required); reruns resume in it");
  o.add_alias("output", "out");
  o.add("format", "auto", "input format: auto (from file names), warc, jsonl or text");
  o.add("text-field", "text", "JSONL field holding the text");
  add_threads_option(o, "worker");
  o.add("shard", "0/1", "process slice i of n of the inputs (i/n), for runs across machines");
  o.add("stage", "all", "all, filter, dedup or write (the stages of a sliced run)");
  o.add("explain", "0", "print N removed examples per reason in the report");
  o.add("tokenizer", "", "tokenizer name or path: also write train/val token shards");
  o.add("val-fraction", "0.01", "fraction of documents that go to the validation shards");
  o.add("jsonl-zstd", "3", "zstd level for the clean JSONL (0: plain .jsonl)");
  o.add("max-record-mb", "64", "WARC records larger than this are skipped");
  o.add("max-line-mb", "32", "JSONL lines longer than this are skipped");
  o.add("max-text-mb", "4", "document text is cut at this size");
  // URL filter.
  o.add("url-block-domains", "", "file of blocked domains, one a line (subdomains blocked too)");
  o.add("url-banned-words", "", "file of words that block a URL containing them");
  o.add("url-banned-subwords", "", "file of substrings that block a URL");
  o.add("url-soft-banned-words", "", "file of words of which 2 or more block a URL");
  // Language.
  o.add_flag("language-filter", "keep only the languages in --languages", true);
  o.add("languages", "en", "comma-separated ISO 639-1 codes to keep (CLD2), e.g. en,zh");
  o.add("language-threshold", "0.65", "minimum language score (share of text in the language)");
  // Gopher repetition.
  o.add_flag("gopher-repetition", "Gopher repetition filter", true);
  o.add("gopher-dup-line-frac", "0.30", "max duplicate line fraction (-1: off)");
  o.add("gopher-dup-para-frac", "0.30", "max duplicate paragraph fraction (-1: off)");
  o.add("gopher-dup-line-char-frac", "0.20", "max duplicate line character fraction (-1: off)");
  o.add("gopher-dup-para-char-frac", "0.20", "max duplicate paragraph character fraction (-1: off)");
  o.add("gopher-top-ngrams", "2:0.20,3:0.18,4:0.16", "max top n-gram character fractions");
  o.add("gopher-dup-ngrams", "5:0.15,6:0.14,7:0.13,8:0.12,9:0.11,10:0.10",
        "max duplicated n-gram character fractions");
  // Gopher quality.
  o.add_flag("gopher-quality", "Gopher quality filter", true);
  o.add("gopher-min-words", "50", "minimum words (-1: off)");
  o.add("gopher-max-words", "100000", "maximum words (-1: off)");
  o.add("gopher-min-avg-word-length", "3", "minimum mean word length (-1: off)");
  o.add("gopher-max-avg-word-length", "10", "maximum mean word length (-1: off)");
  o.add("gopher-max-symbol-word-ratio", "0.1", "max '#' and ellipsis per word (-1: off)");
  o.add("gopher-max-bullet-lines", "0.9", "max fraction of lines starting with a bullet (-1: off)");
  o.add("gopher-max-ellipsis-lines", "0.3", "max fraction of lines ending in an ellipsis (-1: off)");
  o.add("gopher-min-alpha-words", "0.8", "min fraction of words with a letter (-1: off)");
  o.add("gopher-min-stop-words", "2", "minimum stop words (-1: off)");
  // C4.
  o.add_flag("c4", "C4 quality filter", true);
  o.add_flag("c4-terminal-punct", "drop lines not ending in terminal punctuation (FineWeb: off)");
  o.add("c4-min-sentences", "5", "minimum sentences (-1: off)");
  o.add("c4-min-words-per-line", "3", "drop lines with fewer words (-1: off)");
  o.add("c4-max-word-length", "1000", "drop lines with a longer word (-1: off)");
  o.add_flag("c4-lorem-ipsum", "drop documents with 'lorem ipsum'", true);
  o.add_flag("c4-javascript", "drop lines mentioning javascript", true);
  o.add_flag("c4-curly-bracket", "drop documents with '{'", true);
  o.add_flag("c4-policy", "drop lines about cookies, privacy policy, terms of use", true);
  o.add_flag("c4-citations", "remove [1], [edit], [citation needed]", true);
  // FineWeb.
  o.add_flag("fineweb", "FineWeb quality filter", true);
  o.add("fineweb-line-punct", "0.12", "min fraction of lines ending in punctuation (-1: off)");
  o.add("fineweb-short-line-ratio", "0.67", "max fraction of short lines (-1: off)");
  o.add("fineweb-short-line-length", "30", "a line this long or shorter is short");
  o.add("fineweb-char-dup-ratio", "0.01", "max duplicated-line character fraction (-1: off)");
  o.add("fineweb-newline-ratio", "0.3", "max newlines per word (-1: off)");
  // PII.
  o.add_flag("pii", "replace e-mail and public IPv4 addresses", true);
  o.add("pii-email", "email@example.com", "e-mail placeholder");
  o.add("pii-ip", "0.0.0.0", "IP address placeholder");
  // Dedup.
  o.add_flag("dedup-exact", "drop exact duplicates (hash of normalised text)", true);
  o.add_flag("dedup-minhash", "drop near duplicates (MinHash LSH)", true);
  o.add("minhash-ngram", "5", "shingle size in words");
  o.add("minhash-bands", "14", "LSH bands");
  o.add("minhash-rows", "8", "hashes per band");
  o.add("dedup-memory-mb", "1024", "memory budget of one dedup partition");
}

// The --tokenizer value and a hash (FNV-1a) of the files it names, so that a tokenizer
// retrained into the same folder counts as another tokenizer.
std::string tokenizer_fingerprint(const std::string& name_or_path) {
  namespace fs = std::filesystem;
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const std::string& bytes) {
    for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  };
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(name_or_path, ec)) {
    for (const auto& e : fs::directory_iterator(name_or_path, ec))
      if (e.is_regular_file()) files.push_back(e.path());
  } else if (fs::is_regular_file(name_or_path, ec)) {
    files.push_back(name_or_path);
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    mix(f.filename().string());
    std::ifstream in(f, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    mix(bytes.str());
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return name_or_path + "@" + hex;
}

PipelineConfig config_from(const CliOptions& o) {
  PipelineConfig c;
  c.inputs = split_comma_list(o.get("input"));
  for (const auto& p : o.positional()) c.inputs.push_back(p);
  c.output_dir = o.get("out");
  if (c.output_dir.empty()) ErrorBuilder("cli") << "--out is required";
  c.input_format = o.get("format");
  c.text_field = o.get("text-field");
  c.threads = threads_from_options(o);
  {
    std::string s = o.get("shard");
    auto slash = s.find('/');
    try {
      if (slash == std::string::npos) throw std::invalid_argument("");
      c.shard_index = std::stoi(s.substr(0, slash));
      c.shard_count = std::stoi(s.substr(slash + 1));
    } catch (const std::exception&) {
      ErrorBuilder("cli") << "--shard '" << s << "' is not i/n";
    }
  }
  c.explain = std::max<int64_t>(o.get_int("explain"), 5);
  c.val_fraction = o.get_double("val-fraction");
  c.jsonl_zstd_level = static_cast<int>(o.get_int("jsonl-zstd"));
  c.max_record_bytes = static_cast<size_t>(o.get_double("max-record-mb") * 1048576);
  c.max_line_bytes = static_cast<size_t>(o.get_double("max-line-mb") * 1048576);
  c.max_text_bytes = static_cast<size_t>(o.get_double("max-text-mb") * 1048576);
  c.url.domain_list_file = o.get("url-block-domains");
  c.url.banned_words_file = o.get("url-banned-words");
  c.url.banned_subwords_file = o.get("url-banned-subwords");
  c.url.soft_banned_words_file = o.get("url-soft-banned-words");
  c.language_filter = o.get_bool("language-filter");
  c.languages = split_comma_list(o.get("languages"));
  c.language_threshold = o.get_double("language-threshold");
  auto& gr = c.gopher_repetition;
  gr.enabled = o.get_bool("gopher-repetition");
  gr.dup_line_frac = o.get_double("gopher-dup-line-frac");
  gr.dup_para_frac = o.get_double("gopher-dup-para-frac");
  gr.dup_line_char_frac = o.get_double("gopher-dup-line-char-frac");
  gr.dup_para_char_frac = o.get_double("gopher-dup-para-char-frac");
  gr.top_n_grams = parse_ngram_list("gopher-top-ngrams", o.get("gopher-top-ngrams"));
  gr.dup_n_grams = parse_ngram_list("gopher-dup-ngrams", o.get("gopher-dup-ngrams"));
  auto& gq = c.gopher_quality;
  gq.enabled = o.get_bool("gopher-quality");
  gq.min_doc_words = static_cast<int>(o.get_int("gopher-min-words"));
  gq.max_doc_words = static_cast<int>(o.get_int("gopher-max-words"));
  gq.min_avg_word_length = o.get_double("gopher-min-avg-word-length");
  gq.max_avg_word_length = o.get_double("gopher-max-avg-word-length");
  gq.max_symbol_word_ratio = o.get_double("gopher-max-symbol-word-ratio");
  gq.max_bullet_lines_ratio = o.get_double("gopher-max-bullet-lines");
  gq.max_ellipsis_lines_ratio = o.get_double("gopher-max-ellipsis-lines");
  gq.max_non_alpha_words_ratio = o.get_double("gopher-min-alpha-words");
  gq.min_stop_words = static_cast<int>(o.get_int("gopher-min-stop-words"));
  auto& c4 = c.c4;
  c4.enabled = o.get_bool("c4");
  c4.filter_no_terminal_punct = o.get_bool("c4-terminal-punct");
  c4.min_num_sentences = static_cast<int>(o.get_int("c4-min-sentences"));
  c4.min_words_per_line = static_cast<int>(o.get_int("c4-min-words-per-line"));
  c4.max_word_length = static_cast<int>(o.get_int("c4-max-word-length"));
  c4.filter_lorem_ipsum = o.get_bool("c4-lorem-ipsum");
  c4.filter_javascript = o.get_bool("c4-javascript");
  c4.filter_curly_bracket = o.get_bool("c4-curly-bracket");
  c4.filter_policy = o.get_bool("c4-policy");
  c4.remove_citations = o.get_bool("c4-citations");
  auto& fw = c.fineweb;
  fw.enabled = o.get_bool("fineweb");
  fw.line_punct_thr = o.get_double("fineweb-line-punct");
  fw.short_line_thr = o.get_double("fineweb-short-line-ratio");
  fw.short_line_length = static_cast<int>(o.get_int("fineweb-short-line-length"));
  fw.char_duplicates_ratio = o.get_double("fineweb-char-dup-ratio");
  fw.new_line_ratio = o.get_double("fineweb-newline-ratio");
  c.pii.enabled = o.get_bool("pii");
  c.pii.email_placeholder = o.get("pii-email");
  c.pii.ip_placeholder = o.get("pii-ip");
  c.dedup_exact = o.get_bool("dedup-exact");
  c.dedup_minhash = o.get_bool("dedup-minhash");
  c.minhash.ngram = static_cast<int>(o.get_int("minhash-ngram"));
  c.minhash.n_bands = static_cast<int>(o.get_int("minhash-bands"));
  c.minhash.rows_per_band = static_cast<int>(o.get_int("minhash-rows"));
  if (c.minhash.n_bands > data::kMaxBands)
    ErrorBuilder("cli") << "--minhash-bands " << c.minhash.n_bands << " exceeds " << data::kMaxBands;
  c.dedup_memory_bytes = static_cast<uint64_t>(o.get_double("dedup-memory-mb") * 1048576);
  if (!o.get("tokenizer").empty()) {
#ifdef LLMFORGE_HAVE_TOKENIZER
    c.tokenizer = data::make_tokenizer_factory(o.get("tokenizer"));
    c.tokenizer_id = tokenizer_fingerprint(o.get("tokenizer"));
#else
    ErrorBuilder("cli") << "--tokenizer: this build has no tokenizer library";
#endif
  }
  return c;
}

int run_data(int argc, char** argv) {
  CliOptions o("llmforge data run [options] INPUT...",
               "Cleans a web crawl (WARC/WET, JSONL, text) into deduplicated JSONL and token shards.\n"
               "Stages: extract, URL filter, language id, Gopher, C4 and FineWeb filters, PII masking,\n"
               "exact and MinHash dedup, tokenization. Reruns resume from finished files.");
  add_options(o);
  if (!o.parse(argc, argv)) return 0;
  PipelineConfig c = config_from(o);
  std::string stage = o.get("stage");
  if (stage == "all") {
    data::run_pipeline(c);
  } else if (stage == "filter") {
    data::run_filter_stage(c);
  } else if (stage == "dedup") {
    data::run_dedup_stage(c);
  } else if (stage == "write") {
    data::run_write_stage(c);
  } else {
    ErrorBuilder("cli") << "--stage '" << stage << "': want all, filter, dedup or write";
  }
  auto report = data::build_report(c.output_dir, c.explain);
  std::fputs(report.format(static_cast<size_t>(o.get_int("explain"))).c_str(), stdout);
  std::printf("\nreport: %s/report.txt\n", c.output_dir.c_str());
  return 0;
}

int run_report(int argc, char** argv) {
  CliOptions o("llmforge data report --out DIR", "Prints the report of a data pipeline output folder.");
  o.add("out", "", "output folder of `llmforge data run`");
  o.add_alias("output", "out");
  o.add("explain", "0", "print N removed examples per reason");
  if (!o.parse(argc, argv)) return 0;
  if (o.get("out").empty()) ErrorBuilder("cli") << "--out is required";
  size_t explain = static_cast<size_t>(o.get_int("explain"));
  auto report = data::build_report(o.get("out"), std::max<size_t>(explain, 5));
  std::fputs(report.format(explain).c_str(), stdout);
  return 0;
}

int run_shard_info(int argc, char** argv) {
  CliOptions o("llmforge data shard-info SHARD...", "Checks token shards and prints their headers.");
  o.allow_positional("shards", "token shard files");
  if (!o.parse(argc, argv)) return 0;
  int bad = 0;
  for (const auto& p : o.positional()) {
    try {
      data::TokenShard s(p);
      const auto& h = s.header();
      std::printf("%s: version %u, %u-byte tokens, %llu tokens, %llu documents, BOS %u, vocab %u\n",
                  p.c_str(), h.version, h.token_width, static_cast<unsigned long long>(h.token_count),
                  static_cast<unsigned long long>(h.doc_count), h.bos_id, h.vocab_size);
    } catch (const Error& e) {
      std::fprintf(stderr, "%s\n", e.what());
      ++bad;
    }
  }
  return bad ? 1 : 0;
}

const bool kRegistered =
    register_command({"data", "clean a web crawl into deduplicated JSONL and token shards", run_data}) &&
    register_command({"data run", "same as `llmforge data`", run_data}) &&
    register_command({"data report", "print the report of a data pipeline output folder", run_report}) &&
    register_command({"data shard-info", "check token shards and print their headers", run_shard_info});

}  // namespace
}  // namespace llmforge
