// The search index: BM25 puts the page that matches the query first, free text with
// punctuation is safe, documents come from JSONL, WARC and text files, and a missing
// or damaged index is a clear error; the CLI builds and searches.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "data/warc_writer.h"
#include "search/document_source.h"
#include "search/search_index.h"
#include "../test_util.h"

namespace llmforge::search {
namespace {

namespace fs = std::filesystem;

std::string fresh_dir(const std::string& name) {
  std::string d = testing::temp_dir("search/" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write(const std::string& path, const std::string& s) { std::ofstream(path, std::ios::binary) << s; }

TEST(FtsQuery, QuotesWordsAndDropsPunctuation) {
  EXPECT_EQ(fts_query("Where was \"Kenji\" Marsh born?"), "\"Kenji\" OR \"Marsh\" OR \"born\"");
  EXPECT_EQ(fts_query("  ?!  "), "");
  EXPECT_EQ(fts_query("Who was she?"), "\"Who\" OR \"was\" OR \"she\"");  // nothing but function words: kept
  EXPECT_EQ(fts_query("NOT NEAR("), "\"NOT\" OR \"NEAR\"");  // operators as words
  EXPECT_EQ(fts_query("Zoë"), "\"Zoë\"");
}

TEST(SearchIndex, RanksTheMatchingPageFirst) {
  const std::string dir = fresh_dir("rank");
  {
    IndexWriter w(dir);
    w.add({"Kenji Marsh", "http://a/kenji", "Kenji Marsh was born in Lisbon. He works at Aurora Robotics."});
    w.add({"Greta Novak", "http://a/greta", "Greta Novak was born in Osaka. She studied botany."});
    w.add({"Kenji Tanaka", "http://a/tanaka", "Kenji Tanaka studied physics in Kyoto."});
    for (int i = 0; i < 50; ++i) w.add({"Filler " + std::to_string(i), "http://f/" + std::to_string(i), "nothing to see here about people"});
    w.commit({"memory"});
    EXPECT_EQ(w.documents(), 53);
  }
  SearchIndex idx(dir);
  EXPECT_EQ(idx.documents(), 53);
  auto hits = idx.search("Where was Kenji Marsh born?", 3);
  ASSERT_GE(hits.size(), 2u);
  EXPECT_EQ(hits[0].url, "http://a/kenji");
  EXPECT_LT(hits[0].score, hits[1].score);  // FTS5 bm25: more negative is better
  hits = idx.search("Kenji Marsh", 3);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].url, "http://a/kenji");
  EXPECT_EQ(hits[1].url, "http://a/tanaka");  // one of the two name words
  EXPECT_NE(hits[0].snippet.find("Lisbon"), std::string::npos);
  EXPECT_EQ(hits[0].title, "Kenji Marsh");
  EXPECT_TRUE(idx.search("?!", 3).empty());
  EXPECT_TRUE(idx.search("zyxwv", 3).empty());
  EXPECT_EQ(idx.search("Greta", 1).size(), 1u);
}

TEST(SearchIndex, MissingOrCorruptIndexIsAClearError) {
  const std::string dir = fresh_dir("bad");
  try {
    SearchIndex idx(dir + "/nowhere");
    FAIL() << "opened a missing index";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no search index in"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("llmforge index build"), std::string::npos) << e.what();
  }
  write(dir + "/search.sqlite", std::string(4096, 'x'));
  try {
    SearchIndex idx(dir);
    FAIL() << "opened a corrupt index";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not a usable search index"), std::string::npos) << e.what();
  }
}

TEST(SearchIndex, AnUncommittedBuildLeavesNoIndex) {
  const std::string dir = fresh_dir("uncommitted");
  {
    IndexWriter w(dir);
    w.add({"t", "u", "some words"});
  }
  EXPECT_FALSE(fs::exists(dir + "/search.sqlite"));
  for (const auto& e : fs::directory_iterator(dir)) ADD_FAILURE() << "left behind: " << e.path();
}

TEST(DocumentSource, ReadsJsonlWarcAndText) {
  const std::string dir = fresh_dir("sources");
  write(dir + "/clean.jsonl",
        "{\"text\": \"Greta Novak\\n\\nGreta Novak studied botany.\", \"url\": \"http://g\"}\n"
        "not json\n"
        "{\"text\": \"   \"}\n");
  write(dir + "/pages.warc.gz",
        data::gzip_member(data::warc_response_record(
            "http://w/kenji", "<html><head><title>Kenji Marsh - Wiki</title></head><body><nav>Home</nav>"
            "<p>Kenji Marsh was born in Lisbon.</p></body></html>", "<urn:uuid:1>", "2024-01-01T00:00:00Z")));
  write(dir + "/note.txt", "A plain note about Lisbon.\n");
  std::vector<IndexDocument> docs;
  SourceStats stats;
  read_documents(data::list_inputs({dir}, "auto"), [&](const IndexDocument& d) { docs.push_back(d); }, nullptr, stats);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(stats.errors, 1);   // the line that is not JSON
  EXPECT_EQ(stats.skipped, 1);  // the blank document
  EXPECT_EQ(docs[0].title, "Greta Novak");
  EXPECT_EQ(docs[0].url, "http://g");
  EXPECT_EQ(docs[1].title, "note.txt");  // list_inputs sorts: note.txt, then pages
  EXPECT_EQ(docs[2].title, "Kenji Marsh - Wiki");
  EXPECT_EQ(docs[2].url, "http://w/kenji");
  EXPECT_EQ(docs[2].text.find("Home"), std::string::npos);  // navigation dropped
  EXPECT_NE(docs[2].text.find("born in Lisbon"), std::string::npos);
}

TEST(IndexCli, BuildsAndSearches) {
  const std::string dir = fresh_dir("cli");
  write(dir + "/a.jsonl", "{\"text\": \"Kenji Marsh\\nKenji Marsh was born in Lisbon.\", \"url\": \"http://k\"}\n"
                          "{\"text\": \"Greta Novak\\nGreta Novak studied botany.\", \"url\": \"http://g\"}\n");
  auto b = testing::run_shell(testing::llmforge_binary() + " index build --out " + dir + "/idx " + dir + "/a.jsonl");
  ASSERT_EQ(b.status, 0) << b.output;
  EXPECT_NE(b.output.find("indexed 2 documents"), std::string::npos) << b.output;
  auto s = testing::run_shell(testing::llmforge_binary() + " index search " + dir + "/idx 'born in Lisbon?' --k 1");
  ASSERT_EQ(s.status, 0) << s.output;
  EXPECT_NE(s.output.find("1. Kenji Marsh\n   http://k"), std::string::npos) << s.output;
  EXPECT_EQ(s.output.find("Greta"), std::string::npos) << s.output;
  auto missing = testing::run_shell(testing::llmforge_binary() + " index search " + dir + "/none q");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.output.find("no search index in"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace llmforge::search
