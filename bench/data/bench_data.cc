// Benchmark of the data pipeline on a generated crawl (no network here): writes
// `--mb` MB of WARC (multi-member .warc.gz, several files) of HTML pages with
// realistic chrome (inline CSS/JS, menus, sidebars, cookie banners, footers) around
// articles, with planted duplicates, near duplicates, spam and foreign pages, then
// times each stage on one core and the whole pipeline on `--threads` cores.
// Prints MB/s per core; the numbers go to bench/RESULTS.md.
//
// Peer: datatrove (Python) cannot be installed here (no pip); see
// bench/data/minhash_peer.py for the MinHash comparison against datatrove's
// algorithm in numpy.

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "core/cli_options.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/timer.h"
#include "data/byte_reader.h"
#include "data/charset.h"
#include "data/html_extract.h"
#include "data/jsonl_reader.h"
#include "data/minhash.h"
#include "data/pipeline.h"
#include "data/text_utils.h"
#include "data/warc_reader.h"
#include "data/warc_writer.h"

using namespace llmforge;
using namespace llmforge::data;
namespace fs = std::filesystem;

namespace {

const char* kEnglish[] = {
    "the", "of", "and", "to", "in", "is", "was", "that", "for", "it", "with", "as", "his", "on", "be",
    "at", "by", "had", "are", "but", "from", "or", "have", "an", "they", "which", "one", "you", "were",
    "her", "all", "she", "there", "would", "their", "we", "him", "been", "has", "when", "who", "will",
    "more", "if", "out", "so", "said", "what", "up", "about", "into", "than", "them", "can", "only",
    "other", "new", "some", "could", "time", "these", "two", "may", "then", "first", "any", "like",
    "over", "even", "most", "made", "after", "also", "many", "before", "must", "through", "back",
    "years", "where", "much", "way", "well", "down", "should", "because", "each", "just", "those",
    "people", "little", "state", "good", "very", "make", "world", "still", "own", "see", "work",
    "long", "here", "between", "both", "life", "being", "under", "never", "day", "same", "another",
    "know", "while", "last", "might", "great", "old", "year", "off", "come", "since", "against",
    "river", "garden", "village", "winter", "market", "teacher", "letter", "mountain", "library",
    "kitchen", "harbour", "journey", "morning", "evening", "history", "science", "country", "family",
    "question", "answer", "reason", "number", "picture", "children", "window", "forest", "bridge",
    "island", "summer", "weather", "station", "machine", "program", "language", "animal", "building",
    "company", "problem", "system", "government", "council", "election", "museum", "hospital",
    "research", "university", "students", "economy", "industry", "festival", "football", "season"};
const char* kGerman[] = {"der", "die", "und", "das", "ist", "nicht", "mit", "zu", "Fluss", "Dorf",
                         "Winter", "Kinder", "Morgen", "Abend", "Feuer", "Ufer", "Geschichten", "Zeit",
                         "Schnee", "Fenster", "Markt", "Schule", "Lehrerin", "Buch", "Bibliothek"};

std::string sentence(Rng& rng, const char* const* words, size_t n, int len) {
  std::string s;
  for (int w = 0; w < len; ++w) {
    if (w) s += ' ';
    s += words[rng.below(n)];
  }
  s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s + ".";
}

std::vector<std::string> article(uint64_t seed, bool german = false) {
  Rng rng(seed);
  std::vector<std::string> paras;
  int n = 6 + static_cast<int>(rng.below(8));
  for (int p = 0; p < n; ++p) {
    std::string para;
    int sentences = 4 + static_cast<int>(rng.below(5));
    for (int s = 0; s < sentences; ++s) {
      if (!para.empty()) para += ' ';
      para += german ? sentence(rng, kGerman, std::size(kGerman), 8 + static_cast<int>(rng.below(10)))
                     : sentence(rng, kEnglish, std::size(kEnglish), 8 + static_cast<int>(rng.below(14)));
    }
    paras.push_back(para);
  }
  return paras;
}

// Menus as real sites write them: nested wrappers with utility classes and data
// attributes around each link.
std::string chrome_links(Rng& rng, int n, const char* cls) {
  std::string s = std::string("<ul class=\"") + cls + " flex flex-wrap items-center gap-2\" role=\"list\">";
  for (int i = 0; i < n; ++i)
    s += "<li class=\"item menu-item menu-item-type-taxonomy menu-item-object-category\" data-id=\"" +
         std::to_string(rng.below(100000)) + "\"><div class=\"menu-link-wrapper\"><a class=\"menu-link text-sm "
         "font-medium hover:underline\" href=\"https://www.example.com/section/" + std::to_string(rng.below(100000)) +
         "/\" title=\"" + kEnglish[rng.below(std::size(kEnglish))] + "\"><span>" +
         kEnglish[rng.below(std::size(kEnglish))] + " " + kEnglish[rng.below(std::size(kEnglish))] +
         "</span></a></div></li>";
  return s + "</ul>";
}

std::string page_html(uint64_t id, const std::vector<std::string>& paras, Rng& rng) {
  std::string h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Page " +
                  std::to_string(id) + "</title>";
  for (int i = 0; i < 3; ++i) h += "<link rel=\"stylesheet\" href=\"/static/css/site" + std::to_string(i) + ".css\">";
  h += "<style>";
  for (int i = 0; i < 40; ++i) h += ".c" + std::to_string(i) + "{margin:0 auto;padding:" + std::to_string(i) + "px;color:#333}";
  h += "</style><script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\"NewsArticle\",\"headline\":\"Story\"}</script><script>";
  for (int i = 0; i < 250; ++i)
    h += "window.dataLayer=window.dataLayer||[];function gtag" + std::to_string(i) +
         "(){dataLayer.push(arguments);}gtag('config','UA-" + std::to_string(rng.below(1000000)) + "');";
  h += "</script></head><body class=\"page\">";
  h += "<div id=\"cookie-banner\" class=\"consent\">We use cookies to personalise content and ads. "
       "<button>Accept all</button><button>Settings</button></div>";
  h += "<header class=\"site-header\"><div class=\"logo\"><a href=\"/\">Example News</a></div><nav class=\"main-nav\">" +
       chrome_links(rng, 60, "menu") + "</nav></header>";
  h += "<div class=\"container\"><aside class=\"sidebar\"><h3>Most read</h3>" + chrome_links(rng, 30, "popular") + "</aside>";
  h += "<main><article class=\"post\"><h1>Story number " + std::to_string(id) + "</h1><div class=\"byline\">By <a href=\"/a\">staff</a></div>";
  for (const auto& p : paras) h += "<p class=\"c" + std::to_string(rng.below(40)) + "\">" + p + "</p>";
  h += "<div class=\"share\"><a href=\"/s1\">Share</a> <a href=\"/s2\">Tweet</a></div></article>";
  h += "<section class=\"comments\"><h2>Comments</h2><div class=\"comment\"><p>Great story, thanks!</p></div></section></main></div>";
  h += "<footer><div class=\"footer-links\">" + chrome_links(rng, 40, "footer") +
       "</div><p>Copyright 2024 Example Media. All rights reserved.</p></footer></body></html>";
  return h;
}

std::string warc_response(uint64_t id, const std::string& html) {
  std::string http = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " +
                     std::to_string(html.size()) + "\r\n\r\n" + html;
  std::string rec = "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://site" + std::to_string(id % 997) +
                    ".example/story/" + std::to_string(id) + "\r\nWARC-Record-ID: <urn:uuid:bench-" +
                    std::to_string(id) + ">\r\nWARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; "
                    "msgtype=response\r\nContent-Length: " + std::to_string(http.size()) + "\r\n\r\n";
  return rec + http + "\r\n\r\n";
}

// Returns uncompressed WARC bytes written.
uint64_t generate(const std::string& dir, uint64_t target_bytes, int n_files) {
  fs::create_directories(dir);
  uint64_t per_file = target_bytes / n_files;
  uint64_t total = 0;
  uint64_t id = 0;
  std::vector<std::vector<std::string>> recent;
  for (int f = 0; f < n_files; ++f) {
    char name[64];
    std::snprintf(name, sizeof name, "/crawl-%03d.warc.gz", f);
    std::ofstream out(dir + name, std::ios::binary);
    uint64_t bytes = 0;
    Rng rng(1234 + f);
    while (bytes < per_file) {
      ++id;
      uint64_t kind = rng.below(100);
      std::vector<std::string> paras;
      if (kind < 5 && !recent.empty()) {
        paras = recent[rng.below(recent.size())];  // exact duplicate
      } else if (kind < 10 && !recent.empty()) {
        paras = recent[rng.below(recent.size())];  // near duplicate: a few words changed
        for (auto& p : paras) {
          size_t pos = p.find(' ', rng.below(p.size()));
          if (pos != std::string::npos) p.insert(pos, " changed");
        }
      } else if (kind < 15) {
        paras = article(id);
        for (int k = 0; k < 30; ++k) paras.push_back("Buy cheap watches online today at the best price.");
      } else if (kind < 20) {
        paras = article(id, true);
      } else if (kind < 25) {
        paras = {};
      } else {
        paras = article(id);
        if (recent.size() < 200) recent.push_back(paras);
        else recent[rng.below(200)] = paras;
      }
      std::string rec = warc_response(id, page_html(id, paras, rng));
      out << gzip_member(rec);
      bytes += rec.size();
    }
    total += bytes;
  }
  return total;
}

double mb(uint64_t b) { return b / 1048576.0; }

// CPU seconds of the whole process: on a shared, oversubscribed machine this
// measures our own work where wall time would include waiting for a core.
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct Clock {
  Timer wall;
  double cpu0 = cpu_seconds();
  void reset() {
    wall.reset();
    cpu0 = cpu_seconds();
  }
  double cpu() const { return cpu_seconds() - cpu0; }
};

}  // namespace

int main(int argc, char** argv) {
  CliOptions o("bench_data [options]", "Times the data pipeline on a generated crawl.");
  o.add("dir", "/tmp/llmf_bench_data", "work folder (crawl is generated once and reused)");
  o.add("mb", "200", "megabytes of (uncompressed) WARC to generate");
  o.add("files", "8", "number of .warc.gz files");
  o.add("threads", "2", "threads for the whole-pipeline run");
  o.add("minhash-texts", "", "only time MinHash signatures over this JSONL of texts (for minhash_peer.py)");
  if (!o.parse(argc, argv)) return 0;
  set_log_level(LogLevel::Warn);
  if (!o.get("minhash-texts").empty()) {
    std::vector<std::string> texts;
    std::ifstream in(o.get("minhash-texts"));
    std::string line;
    uint64_t bytes = 0;
    while (std::getline(in, line)) {
      texts.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
      bytes += texts.back().size();
    }
    MinHasher hasher;
    std::vector<uint32_t> sig;
    uint64_t bands[32];
    Clock t;
    const int reps = 5;
    for (int r = 0; r < reps; ++r) {
      for (const auto& s : texts) {
        std::string norm = normalize_for_dedup(s);
        hasher.signature(norm, sig);
        hasher.band_hashes(sig, bands);
      }
    }
    std::printf("llmforge minhash: %zu docs, %.2f MB, %.1f MB/s per core\n", texts.size(), mb(bytes),
                mb(bytes) * reps / t.cpu());
    return 0;
  }
  std::string dir = o.get("dir");
  std::string crawl = dir + "/crawl";
  uint64_t target = static_cast<uint64_t>(o.get_double("mb") * 1048576);
  int n_files = static_cast<int>(o.get_int("files"));
  int threads = static_cast<int>(o.get_int("threads"));
  uint64_t warc_bytes = 0, gz_bytes = 0;
  if (!fs::exists(dir + "/crawl.done")) {
    fs::remove_all(crawl);
    Timer t;
    generate(crawl, target, n_files);
    std::ofstream(dir + "/crawl.done") << "ok";
    std::printf("generated crawl in %.1f s\n", t.seconds());
  }
  std::vector<std::string> files;
  for (auto& e : fs::directory_iterator(crawl))
    if (e.path().extension() == ".gz") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (auto& f : files) gz_bytes += fs::file_size(f);

  // Stage 0: decompress + WARC parse + HTTP parse, one core.
  Clock t;
  uint64_t records = 0;
  for (auto& f : files) {
    ByteReader in(f);
    WarcReader r(in, 64 << 20);
    WarcRecord rec;
    while (r.next(rec)) {
      ++records;
      HttpResponse http;
      parse_http_response(rec.block, 64 << 20, http);
    }
    warc_bytes += in.bytes_read();
  }
  double t_read = t.cpu();

  // Stage 1a: + charset + HTML extraction, one core, on the first two files.
  t.reset();
  uint64_t ex_in = 0, ex_text = 0;
  std::vector<std::string> texts;
  CharsetConverter conv;
  for (size_t i = 0; i < std::min<size_t>(2, files.size()); ++i) {
    ByteReader in(files[i]);
    WarcReader r(in, 64 << 20);
    WarcRecord rec;
    while (r.next(rec)) {
      HttpResponse http;
      parse_http_response(rec.block, 64 << 20, http);
      std::string utf8;
      conv.to_utf8(http.body, "utf-8", true, utf8);
      auto page = extract_html(utf8);
      ex_text += page.text.size();
      texts.push_back(std::move(page.text));
    }
    ex_in += in.bytes_read();
  }
  double t_extract = t.cpu();

  // Filters alone (language id + Gopher + C4 + FineWeb + PII) on those texts, one core.
  PipelineConfig fc;
  DocumentFilter filter(fc);
  RunStats fstats;
  t.reset();
  uint64_t text_bytes = 0;
  std::vector<std::string> kept;
  for (const auto& s : texts) {
    Document d;
    d.text = s;
    text_bytes += s.size();
    if (filter.apply(d, fstats)) kept.push_back(d.text);
  }
  double t_filter = t.cpu();

  // MinHash signatures alone (normalise + shingle + 112 hashes + 14 band hashes), one core.
  MinHasher hasher;
  std::vector<uint32_t> sig;
  uint64_t bands[32];
  t.reset();
  uint64_t mh_bytes = 0;
  for (int rep = 0; rep < 3; ++rep) {
    for (const auto& s : texts) {
      std::string norm = normalize_for_dedup(s);
      hasher.signature(norm, sig);
      hasher.band_hashes(sig, bands);
      mh_bytes += s.size();
    }
  }
  double t_minhash = t.cpu();

  // The whole pipeline, one core then `threads` cores.
  struct RunTimes {
    double filter, dedup, write, wall, cpu;
  };
  auto run = [&](int n, const std::string& out) {
    fs::remove_all(out);
    PipelineConfig c;
    c.inputs = {crawl};
    c.output_dir = out;
    c.threads = n;
    Clock all;
    Timer tt;
    run_filter_stage(c);
    double f = tt.seconds();
    tt.reset();
    run_dedup_stage(c);
    double d = tt.seconds();
    tt.reset();
    run_write_stage(c);
    double w = tt.seconds();
    return RunTimes{f, d, w, all.wall.seconds(), all.cpu()};
  };
  auto one = run(1, dir + "/out1");
  auto many = run(threads, dir + "/outN");
  RunStats report = build_report(dir + "/outN", 0);
  uint64_t clean_bytes = 0, clean_docs = 0;
  for (const auto& [name, c] : report.stages())
    if (name == "dedup_minhash") clean_bytes = c.bytes_out, clean_docs = c.docs_out;

  std::printf("\ncrawl: %zu files, %.1f MB WARC (%.1f MB gzip), %llu records\n", files.size(), mb(warc_bytes),
              mb(gz_bytes), static_cast<unsigned long long>(records));
  std::printf("%-46s %9s %9s %12s\n", "stage", "CPU s", "wall s", "MB/s/core");
  auto row = [](const char* name, double cpu, double wall, double mbytes) {
    std::printf("%-46s %9.2f %9.2f %12.1f\n", name, cpu, wall, mbytes / cpu);
  };
  row("gunzip + WARC + HTTP parse (WARC MB)", t_read, t_read, mb(warc_bytes));
  row("+ charset + HTML extraction (WARC MB)", t_extract, t_extract, mb(ex_in));
  row("filters: lang+Gopher+C4+FineWeb+PII (text MB)", t_filter, t_filter, mb(text_bytes));
  row("MinHash signatures (text MB)", t_minhash, t_minhash, mb(mh_bytes));
  row("pipeline end to end, 1 thread (WARC MB)", one.cpu, one.wall, mb(warc_bytes));
  char label[64];
  std::snprintf(label, sizeof label, "pipeline end to end, %d threads (WARC MB)", threads);
  row(label, many.cpu, many.wall, mb(warc_bytes));
  std::printf("  1 thread: filter stage %.2f s, dedup %.2f s, write %.2f s (wall)\n", one.filter, one.dedup, one.write);
  std::printf("  %d threads: %.1f MB/s wall for the machine\n", threads, mb(warc_bytes) / many.wall);
  std::printf("  out: %llu clean documents, %.1f MB text; extracted text is %.1f%% of WARC bytes\n",
              static_cast<unsigned long long>(clean_docs), mb(clean_bytes), 100.0 * ex_text / ex_in);
  std::printf("  documents per CPU second (end to end): %.0f\n", records / one.cpu);
  std::printf("%s", report.format(0).c_str());
  // Texts for the MinHash peer (bench/data/minhash_peer.py).
  std::ofstream peer(dir + "/texts.jsonl");
  for (const auto& s : texts) peer << nlohmann::json({{"text", s}}).dump() << "\n";
  return 0;
}
