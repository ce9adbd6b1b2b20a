// End to end on a real crawl: the test writes a small web site with planted cases
// (exact and near duplicates, spam, keyword stuffing, boilerplate-only pages,
// German and Chinese pages, GBK and ISO-8859-1 pages, e-mail addresses, lorem
// ipsum, a banned URL, a binary file, a broken link) plus Debian's own HTML
// documentation, serves it on 127.0.0.1, crawls it with wget into a .warc.gz and
// runs the pipeline on that. Each planted page must end where it should.
#include <gtest/gtest.h>
#include <iconv.h>

#include <filesystem>
#include <map>

#include "data/pipeline.h"
#include "data/text_utils.h"
#include "data/token_shard.h"
#include "http_server.h"
#include "test_util.h"
#include "toy_encoder.h"

namespace llmforge::data {
namespace {

namespace fs = std::filesystem;
using test::join;

std::string convert(const std::string& utf8, const char* charset) {
  iconv_t h = iconv_open(charset, "UTF-8");
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* o = out.data();
  size_t o_left = out.size();
  iconv(h, &in, &in_left, &o, &o_left);
  iconv_close(h);
  out.resize(out.size() - o_left);
  return out;
}

// A page with the usual chrome around `main_html`.
std::string page(const std::string& title, const std::string& main_html,
                 const std::string& meta = "<meta charset=\"utf-8\">") {
  return "<!DOCTYPE html><html><head>" + meta + "<title>" + title +
         "</title><style>body { font-family: serif }</style>"
         "<script>window.analytics = {track: function () {}};</script></head><body>"
         "<div class=\"cookie-consent\">This site uses cookies. <a href=\"/cookies.html\">Learn more</a> "
         "<button>Accept all cookies</button></div>"
         "<header><nav class=\"main-nav\"><ul><li><a href=\"/index.html\">Home</a></li>"
         "<li><a href=\"/index.html#news\">News</a></li><li><a href=\"/index.html#about\">About us</a></li></ul></nav></header>"
         "<aside class=\"sidebar\"><h3>Trending now</h3><ul><li><a href=\"/index.html\">Ten tricks</a></li></ul></aside>"
         "<main><article><h1>" + title + "</h1>" + main_html + "</article></main>"
         "<footer><p>Copyright 2024 Example Media Group. All rights reserved.</p>"
         "<p><a href=\"/index.html\">Privacy</a> | <a href=\"/index.html\">Terms</a></p></footer>"
         "</body></html>";
}

std::string paragraphs_html(const std::vector<std::string>& paras) {
  std::string h;
  for (const auto& p : paras) h += "<p>" + p + "</p>\n";
  return h;
}

std::vector<std::string> change_words(std::vector<std::string> paras, double fraction, uint64_t seed) {
  Rng rng(seed);
  for (auto& p : paras) {
    auto ws = split_whitespace(p);
    std::vector<std::string> w(ws.begin(), ws.end());
    size_t n = std::max<size_t>(1, static_cast<size_t>(w.size() * fraction));
    for (size_t k = 0; k < n; ++k) w[rng.below(w.size())] = "walrus";
    p = join(w, " ");
  }
  return paras;
}

struct Site {
  std::map<std::string, std::string> files;  // path -> bytes
  std::vector<std::string> debian_pages;
};

Site build_site() {
  Site s;
  std::vector<std::string> links;
  auto add = [&](const std::string& path, const std::string& bytes, bool link = true) {
    s.files[path] = bytes;
    if (link) links.push_back(path);
  };
  for (int i = 0; i < 10; ++i) {
    add("/article_" + std::to_string(i) + ".html",
        page("Article " + std::to_string(i) + " about the village",
             paragraphs_html(test::english_paragraphs(500 + i, 6))));
  }
  add("/copy_of_3.html", s.files["/article_3.html"]);
  add("/near_5.html", page("Article 5 about the village",
                           paragraphs_html(change_words(test::english_paragraphs(505, 6), 0.02, 5))));
  // Keyword stuffing and a repeated sales pitch.
  auto stuffed = test::english_paragraphs(600, 3);
  std::string kw;
  for (int i = 0; i < 80; ++i) kw += "cheap watches online ";
  stuffed.push_back(kw + "best price.");
  add("/stuffed.html", page("Cheap watches", paragraphs_html(stuffed)));
  std::vector<std::string> pitch(12, "Buy our amazing product today and save money on every single order.");
  auto spam = test::english_paragraphs(601, 2);
  spam.insert(spam.end(), pitch.begin(), pitch.end());
  add("/spam.html", page("Amazing offer", paragraphs_html(spam)));
  add("/boilerplate.html", page("", ""));
  add("/german.html",
      page("Das Dorf im Winter",
           "<p>Der Fluss war drei Wochen lang zugefroren, und die Kinder gingen jeden Morgen darüber. "
           "Am Abend zündete das Dorf Feuer am Ufer an, und die Alten erzählten Geschichten aus der Zeit, "
           "als der Winter noch länger dauerte und der Schnee bis an die Fenster reichte.</p>"
           "<p>Im Frühling kamen die Händler zurück auf den Markt, und die Schule öffnete wieder ihre Türen. "
           "Die Lehrerin las den Kindern jeden Tag aus einem alten Buch vor, das sie in der Bibliothek "
           "gefunden hatte, und niemand wollte nach Hause gehen.</p>"
           "<p>Im Sommer arbeiteten alle auf den Feldern, und am Sonntag ging das ganze Dorf zum See. "
           "Dort schwammen die Kinder, während die Eltern unter den Bäumen saßen und über das Wetter sprachen.</p>"));
  auto zh = test::chinese_paragraphs(700, 5);
  add("/chinese.html", page("我们的城市", paragraphs_html(zh)));
  auto zh_gbk = test::chinese_paragraphs(701, 5);
  add("/chinese_gbk.html",
      convert(page("历史文化", paragraphs_html(zh_gbk), "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">"),
              "GBK"));
  auto latin = test::english_paragraphs(702, 5);
  latin[0] = "The caf\xC3\xA9 by the river served a na\xC3\xAFve but honest menu to everyone. " + latin[0];
  add("/cafe.latin1.html", convert(page("The caf\xC3\xA9", paragraphs_html(latin), ""), "ISO-8859-1"));
  auto contact = test::english_paragraphs(703, 5);
  contact[1] += " Write to jane.smith@mail-example.org or reach the server at 93.184.216.34 for help.";
  add("/contact.html", page("Contact the village", paragraphs_html(contact)));
  auto lorem = test::english_paragraphs(704, 5);
  lorem.push_back("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.");
  add("/lorem.html", page("Template page", paragraphs_html(lorem)));
  add("/casino-bonus.html", page("Bonus", paragraphs_html(test::english_paragraphs(705, 5))));
  std::string png("\x89PNG\r\n\x1a\n", 8);
  for (int i = 0; i < 300; ++i) png.push_back(static_cast<char>(i * 7));
  add("/logo.png", png);
  links.push_back("/missing.html");
  // Debian's own HTML documentation, as far as this machine has it.
  std::vector<fs::path> docs;
  std::error_code ec;
  if (fs::is_directory("/usr/share/doc", ec)) {
    for (auto it = fs::recursive_directory_iterator("/usr/share/doc", fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec) && it->path().extension() == ".html" && it->file_size(ec) < 200000)
        docs.push_back(it->path());
    }
  }
  std::sort(docs.begin(), docs.end());
  for (size_t i = 0; i < docs.size() && s.debian_pages.size() < 15; ++i) {
    std::string path = "/debian/" + std::to_string(i) + "_" + docs[i].filename().string();
    s.debian_pages.push_back(path);
    add(path, test::read_bytes(docs[i].string()));
  }
  std::string index = "<html><head><title>Index</title></head><body><ul>";
  for (const auto& l : links) index += "<li><a href=\"" + l + "\">" + l + "</a></li>";
  index += "</ul></body></html>";
  s.files["/index.html"] = index;
  return s;
}

class DataCrawlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    site_ = new Site(build_site());
    for (const auto& [path, bytes] : site_->files) test::write_bytes(dir_->path() + "/site" + path, bytes);
    test::HttpServer server(dir_->path() + "/site");
    std::string cmd = "cd " + dir_->path() + " && wget -r -l 3 -np -e robots=off --tries=1 --timeout=10 -q "
                      "--warc-file=crawl -P dl http://127.0.0.1:" + std::to_string(server.port()) +
                      "/index.html > wget.log 2>&1";
    int rc = std::system(cmd.c_str());
    // 8: the server answered some request with an error (the planted broken link).
    wget_ok_ = rc == 0 || WEXITSTATUS(rc) == 8;
    base_url_ = "http://127.0.0.1:" + std::to_string(server.port());
    if (!wget_ok_) return;
    test::write_bytes(dir_->path() + "/banned_words.txt", "casino\n");
    PipelineConfig c;
    c.inputs = {dir_->path() + "/crawl.warc.gz"};
    c.output_dir = dir_->path() + "/out";
    c.languages = {"en", "zh"};
    c.url.banned_words_file = dir_->path() + "/banned_words.txt";
    c.explain = 1000;
    c.threads = 2;
    c.tokenizer = test::byte_encoder_factory();
    c.jsonl_zstd_level = 0;
    report_ = new RunStats(run_pipeline(c));
    for (const auto& e : fs::directory_iterator(c.output_dir + "/clean")) {
      std::string text = test::read_bytes(e.path().string());
      for (auto line : split_lines(text)) {
        if (line.empty()) continue;
        auto j = nlohmann::json::parse(line);
        kept_[j.value("url", "")] = j;
      }
    }
  }
  static void TearDownTestSuite() {
    delete report_;
    delete site_;
    delete dir_;
  }

  std::string url(const std::string& path) const { return base_url_ + path; }
  bool kept(const std::string& path) const { return kept_.count(url(path)) > 0; }
  const nlohmann::json& doc(const std::string& path) const { return kept_.at(url(path)); }
  // "stage/reason" under which the page was removed, or "".
  std::string removal(const std::string& path) const {
    for (const auto& [key, examples] : report_->examples())
      for (const auto& e : examples)
        if (e.url == url(path)) return key;
    return "";
  }

  void SetUp() override { ASSERT_TRUE(wget_ok_) << test::read_bytes(dir_->path() + "/wget.log"); }

  static inline test::TempDir* dir_ = nullptr;
  static inline Site* site_ = nullptr;
  static inline RunStats* report_ = nullptr;
  static inline bool wget_ok_ = false;
  static inline std::string base_url_;
  static inline std::map<std::string, nlohmann::json> kept_;
};

TEST_F(DataCrawlTest, GoodArticlesAreKeptWithoutBoilerplateAndWithParagraphs) {
  for (int i : {0, 1, 2, 4, 6, 7, 8, 9}) {
    std::string p = "/article_" + std::to_string(i) + ".html";
    ASSERT_TRUE(kept(p)) << p << " removed as " << removal(p);
    std::string text = doc(p)["text"];
    EXPECT_EQ(text.rfind("Article " + std::to_string(i) + " about the village\n\n", 0), 0u) << text;
    EXPECT_NE(text.find(".\n\n"), std::string::npos) << "paragraphs kept";
    for (const char* junk : {"cookies", "Home", "About us", "Trending", "Copyright", "analytics", "font-family"})
      EXPECT_EQ(text.find(junk), std::string::npos) << junk << " in " << p;
    EXPECT_EQ(doc(p)["language"], "en");
    EXPECT_FALSE(doc(p)["id"].get<std::string>().empty());
  }
}

TEST_F(DataCrawlTest, ExactAndNearDuplicatesKeepOneCopy) {
  EXPECT_NE(kept("/article_3.html"), kept("/copy_of_3.html"));
  EXPECT_EQ(removal(kept("/article_3.html") ? "/copy_of_3.html" : "/article_3.html"),
            "dedup_exact/exact_duplicate");
  EXPECT_NE(kept("/article_5.html"), kept("/near_5.html"));
  EXPECT_EQ(removal(kept("/article_5.html") ? "/near_5.html" : "/article_5.html"),
            "dedup_minhash/near_duplicate");
}

TEST_F(DataCrawlTest, SpamBoilerplateForeignAndBannedPagesAreRemovedForTheRightReason) {
  EXPECT_EQ(removal("/stuffed.html").rfind("gopher_repetition/top_", 0), 0u) << removal("/stuffed.html");
  EXPECT_EQ(removal("/spam.html").rfind("gopher_repetition/dup_", 0), 0u) << removal("/spam.html");
  EXPECT_EQ(removal("/boilerplate.html"), "extract/empty_text");
  EXPECT_EQ(removal("/german.html"), "language/language_not_kept");
  EXPECT_EQ(removal("/lorem.html"), "c4/lorem_ipsum");
  EXPECT_EQ(removal("/casino-bonus.html"), "url_filter/banned_word");
  EXPECT_EQ(removal("/logo.png"), "extract/non_text_content_type");
  EXPECT_EQ(removal("/missing.html"), "extract/http_status_not_ok");
  // The index is nothing but links: a link farm, extracted to nothing.
  EXPECT_EQ(removal("/index.html"), "extract/empty_text");
  for (const char* p : {"/stuffed.html", "/spam.html", "/boilerplate.html", "/german.html", "/lorem.html",
                        "/casino-bonus.html", "/logo.png"})
    EXPECT_FALSE(kept(p)) << p;
}

TEST_F(DataCrawlTest, ChineseAndNonUtf8PagesAreDecodedAndKept) {
  ASSERT_TRUE(kept("/chinese.html")) << removal("/chinese.html");
  EXPECT_EQ(doc("/chinese.html")["language"], "zh");
  ASSERT_TRUE(kept("/chinese_gbk.html")) << removal("/chinese_gbk.html");
  std::string gbk_text = doc("/chinese_gbk.html")["text"];
  EXPECT_EQ(gbk_text.rfind("历史文化\n\n", 0), 0u) << gbk_text.substr(0, 100);
  EXPECT_GE(report_->counter("charset_converted_gb18030"), 1u);
  ASSERT_TRUE(kept("/cafe.latin1.html")) << removal("/cafe.latin1.html");
  std::string latin_text = doc("/cafe.latin1.html")["text"];
  EXPECT_NE(latin_text.find("The caf\xC3\xA9 by the river served a na\xC3\xAFve"), std::string::npos) << latin_text;
}

TEST_F(DataCrawlTest, EmailAndPublicIpAreReplaced) {
  ASSERT_TRUE(kept("/contact.html")) << removal("/contact.html");
  std::string text = doc("/contact.html")["text"];
  EXPECT_EQ(text.find("jane.smith"), std::string::npos);
  EXPECT_EQ(text.find("93.184.216.34"), std::string::npos);
  EXPECT_NE(text.find("Write to email@example.com or reach the server at 0.0.0.0 for help."), std::string::npos);
  EXPECT_EQ(doc("/contact.html")["filters"]["pii_emails"], 1);
}

TEST_F(DataCrawlTest, ReportAccountsForEveryPageAndTokenShardsHoldTheCleanText) {
  // Every fetched page (site pages, Debian pages, index, the 404) entered extraction.
  const StageCount* extract = nullptr;
  for (const auto& [name, c] : report_->stages())
    if (name == "extract") extract = &c;
  ASSERT_NE(extract, nullptr);
  EXPECT_GE(extract->docs_in, site_->files.size() + 1);
  uint64_t removed = 0;
  for (const auto& [name, c] : report_->stages()) removed += c.docs_in - c.docs_out;
  EXPECT_EQ(extract->docs_in - removed, kept_.size()) << "each page is either kept or removed once";
  EXPECT_GE(report_->counter("warc_records_request"), 1u);
  uint64_t docs = 0, tokens = 0, text_bytes = 0;
  for (const auto& e : fs::directory_iterator(dir_->path() + "/out/tokens")) {
    TokenShard s(e.path().string());
    docs += s.header().doc_count;
    tokens += s.size();
  }
  for (const auto& [u, j] : kept_) text_bytes += j["text"].get<std::string>().size();
  EXPECT_EQ(docs, kept_.size());
  EXPECT_EQ(tokens, text_bytes + kept_.size());
  std::string txt = test::read_bytes(dir_->path() + "/out/report.txt");
  EXPECT_NE(txt.find("dedup_minhash/near_duplicate"), std::string::npos) << txt;
  EXPECT_NE(txt.find("/near_5.html"), std::string::npos) << "examples name the page:\n" << txt;
}

}  // namespace
}  // namespace llmforge::data
