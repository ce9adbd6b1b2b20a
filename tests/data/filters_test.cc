// Quality filters, URL filter, PII masking and language id.
#include <gtest/gtest.h>

#include "core/error.h"
#include "data/filters.h"
#include "data/lang_id.h"
#include "data/pii.h"
#include "data/text_utils.h"
#include "data/url_filter.h"
#include "test_util.h"

namespace llmforge::data {
namespace {

std::string good_english(uint64_t seed) { return test::join(test::english_paragraphs(seed, 6), "\n\n"); }

std::string all_filters(std::string text, const std::string& lang = "en") {
  TextWords w(text);
  if (auto r = gopher_repetition_filter(text, w, {}); !r.empty()) return "gopher_repetition/" + r;
  if (auto r = gopher_quality_filter(text, w, lang, {}); !r.empty()) return "gopher_quality/" + r;
  if (auto r = c4_filter(text, lang, {}); !r.empty()) return "c4/" + r;
  TextWords w2(text);
  if (auto r = fineweb_filter(text, w2, {}); !r.empty()) return "fineweb/" + r;
  return "";
}

TEST(DataTextUtils, SplitsWordsLikeNltkAndCjkPerCharacter) {
  auto w = split_words("Hello, world! It's 3.5 km... 中文字");
  std::vector<std::string> got(w.begin(), w.end());
  std::vector<std::string> want = {"Hello", ",", "world", "!", "It's", "3", ".", "5", "km", "...",
                                   "中", "文", "字"};
  EXPECT_EQ(got, want);
  EXPECT_EQ(normalize_for_dedup("Hello,  World! 2024\n\tÉcole"), "hello world 0000 \xC3\xA9" "cole");
  EXPECT_EQ(count_sentences("One. Two! Three? four"), 4u);
  EXPECT_EQ(count_sentences("第一句。第二句。"), 2u);
}

TEST(DataGopherRepetition, CountsLikeDatatrove) {
  std::vector<std::string_view> items = {"a", "bb", "a", "bb", "c"};
  EXPECT_EQ(find_duplicates(items), (std::pair<size_t, size_t>{2, 3}));
  TextWords w("a b c a b c a b");
  // Top 2-gram "a b" appears 3 times, 3 characters with the space.
  EXPECT_EQ(find_top_duplicate(w, 2), 9u);
  // Duplicated 3-grams: "abc" seen, then "bca", "cab", then "abc" repeats (3 chars), skip 3.
  EXPECT_EQ(find_all_duplicate(w, 3), 3u);
}

TEST(DataGopherRepetition, RemovesRepeatedLinesAndStuffedKeywords) {
  std::string repeated;
  for (int i = 0; i < 10; ++i) repeated += "Buy cheap watches today at the best price.\n";
  repeated += good_english(1);
  TextWords w(repeated);
  EXPECT_EQ(gopher_repetition_filter(repeated, w, {}), "dup_line_frac");
  std::string stuffed = good_english(2);
  for (int i = 0; i < 60; ++i) stuffed += " casino bonus";
  stuffed += ".";
  TextWords w2(stuffed);
  EXPECT_EQ(gopher_repetition_filter(stuffed, w2, {}), "top_2_gram");
  GopherRepetitionConfig off;
  off.enabled = false;
  EXPECT_EQ(gopher_repetition_filter(stuffed, w2, off), "");
}

TEST(DataGopherQuality, AppliesEachRule) {
  GopherQualityConfig c;
  auto check = [&](const std::string& text, const std::string& lang = "en") {
    TextWords w(text);
    return gopher_quality_filter(text, w, lang, c);
  };
  EXPECT_EQ(check(good_english(3)), "");
  EXPECT_EQ(check("The cat and the dog."), "gopher_short_doc");
  std::string long_words;
  for (int i = 0; i < 60; ++i) long_words += "the incomprehensibilities misunderstandings and ";
  EXPECT_EQ(check(long_words), "gopher_above_avg_threshold");
  std::string hashes = good_english(4);
  for (int i = 0; i < 80; ++i) hashes += " #tag";
  EXPECT_EQ(check(hashes), "gopher_too_many_hashes");
  std::string bullets;
  for (int i = 0; i < 60; ++i) bullets += "- the item and the other item\n";
  EXPECT_EQ(check(bullets), "gopher_too_many_bullets");
  std::string no_stop;
  for (int i = 0; i < 60; ++i) no_stop += "river garden village market ";
  EXPECT_EQ(check(no_stop), "gopher_enough_stop_words");
  std::string numbers;
  for (int i = 0; i < 60; ++i) numbers += "123 456 789 the ";
  EXPECT_EQ(check(numbers), "gopher_below_alpha_threshold");
  EXPECT_EQ(check(test::join(test::chinese_paragraphs(1, 4), "\n"), "zh"), "");
  c.min_doc_words = -1;
  EXPECT_EQ(check("The cat and the dog sat with the owl."), "");
}

TEST(DataC4, LineRulesDropLinesAndDocumentRulesDropDocuments) {
  std::string text = good_english(5) + "\nShort line\nPlease enable javascript in your browser now.\n"
                     "Read our privacy policy for the details please.\nA fact about rivers [1] and lakes [edit].";
  std::string t = text;
  EXPECT_EQ(c4_filter(t, "en", {}), "");
  EXPECT_EQ(t.find("Short line"), std::string::npos);
  EXPECT_EQ(t.find("javascript"), std::string::npos);
  EXPECT_EQ(t.find("privacy policy"), std::string::npos);
  EXPECT_NE(t.find("A fact about rivers  and lakes ."), std::string::npos) << t;
  EXPECT_NE(t.find("\n\n"), std::string::npos) << "paragraph breaks survive";

  std::string lorem = good_english(6) + "\nLorem ipsum dolor sit amet, consectetur adipiscing elit.";
  EXPECT_EQ(c4_filter(lorem, "en", {}), "lorem_ipsum");
  std::string braces = good_english(7) + "\nfunction f() { return the value of it; }";
  EXPECT_EQ(c4_filter(braces, "en", {}), "curly_bracket");
  std::string few = "One sentence here is fine. Two sentences are here now.";
  EXPECT_EQ(c4_filter(few, "en", {}), "too_few_sentences");
  C4Config c;
  c.filter_lorem_ipsum = false;
  c.filter_curly_bracket = false;
  EXPECT_EQ(c4_filter(braces, "en", c), "");
  c.filter_no_terminal_punct = true;
  std::string np = good_english(8) + "\nthis line has no end punctuation at all";
  EXPECT_EQ(c4_filter(np, "en", c), "");
  EXPECT_EQ(np.find("no end punctuation"), std::string::npos);
}

TEST(DataFineWeb, AppliesEachRule) {
  FineWebConfig c;
  auto check = [&](const std::string& text) {
    TextWords w(text);
    return fineweb_filter(text, w, c);
  };
  EXPECT_EQ(check(good_english(9)), "");
  std::string no_punct;
  for (int i = 0; i < 20; ++i) no_punct += "this is a long line without punctuation at its end here\n";
  EXPECT_EQ(check(no_punct), "line_punct_ratio");
  std::string short_lines;
  for (int i = 0; i < 20; ++i) short_lines += "Short " + std::to_string(i) + ".\n";
  EXPECT_EQ(check(short_lines), "short_line_ratio");
  std::string dup = good_english(10) + "\nThis exact line is repeated in the text.\nThis exact line is repeated in the text.";
  EXPECT_EQ(check(dup), "char_dup_ratio");
  std::string lists;
  for (int i = 0; i < 30; ++i) lists += "An item of " + std::to_string(i) + " things in the list.\n\n\n";
  c.short_line_thr = -1;
  c.char_duplicates_ratio = -1;
  EXPECT_EQ(check(lists), "list_ratio");
  EXPECT_EQ(check(""), "empty");
}

TEST(DataFilters, GoodEnglishAndChinesePassEverything) {
  for (uint64_t s = 20; s < 30; ++s) EXPECT_EQ(all_filters(good_english(s)), "") << s;
  for (uint64_t s = 1; s < 5; ++s)
    EXPECT_EQ(all_filters(test::join(test::chinese_paragraphs(s, 5), "\n\n"), "zh"), "") << s;
}

TEST(DataUrlFilter, BlocksDomainsSubdomainsAndWords) {
  test::TempDir dir;
  test::write_bytes(dir / "domains.txt", "# blocked\nbad.example\n");
  test::write_bytes(dir / "words.txt", "casino\n");
  test::write_bytes(dir / "soft.txt", "free\nwin\nprize\n");
  test::write_bytes(dir / "sub.txt", "xxxvideos\n");
  UrlFilterConfig c{dir / "domains.txt", dir / "words.txt", dir / "sub.txt", dir / "soft.txt", 2};
  UrlFilter f(c);
  EXPECT_EQ(f.check("http://bad.example/page"), "blocked_domain");
  EXPECT_EQ(f.check("https://www.shop.bad.example:8080/x"), "blocked_domain");
  EXPECT_EQ(f.check("http://notbad.example/"), "");
  EXPECT_EQ(f.check("http://ok.example/online-casino/"), "banned_word");
  EXPECT_EQ(f.check("http://ok.example/casinos"), "");
  EXPECT_EQ(f.check("http://ok.example/free-prize"), "soft_banned_words");
  EXPECT_EQ(f.check("http://ok.example/free"), "");
  EXPECT_EQ(f.check("http://ok.example/xxx-videos"), "banned_subword");
  UrlFilterConfig missing;
  missing.domain_list_file = dir / "missing.txt";
  EXPECT_THROW(UrlFilter{missing}, Error);
  EXPECT_EQ(UrlFilter().check("http://anything/"), "");
}

TEST(DataPii, ReplacesEmailsAndPublicIpsOnly) {
  PiiConfig c;
  std::string t = "Write to john.doe+news@mail.example.org, or call 8.8.8.8 and 192.168.1.1; "
                  "version 1.2.3.4.5 and 10.0.0.1 stay. user@localhost stays. 300.1.1.1 too.";
  PiiCounts n = mask_pii(t, c);
  EXPECT_EQ(n.emails, 1u);
  EXPECT_EQ(n.ips, 1u);
  EXPECT_EQ(t, "Write to email@example.com, or call 0.0.0.0 and 192.168.1.1; "
               "version 1.2.3.4.5 and 10.0.0.1 stay. user@localhost stays. 300.1.1.1 too.");
  EXPECT_FALSE(is_public_ipv4(127, 0, 0, 1));
  EXPECT_TRUE(is_public_ipv4(93, 184, 216, 34));
}

TEST(DataLangId, EnglishChineseGerman) {
  auto en = identify_language(good_english(11));
  EXPECT_EQ(en.code, "en");
  EXPECT_GT(en.score, 0.9);
  auto zh = identify_language(test::join(test::chinese_paragraphs(2, 3), "\n"));
  EXPECT_EQ(zh.code, "zh");
  EXPECT_GT(zh.score, 0.65);
  auto de = identify_language(
      "Der Fluss war drei Wochen lang zugefroren, und die Kinder gingen jeden Morgen darüber. "
      "Am Abend zündete das Dorf Feuer am Ufer an, und die Alten erzählten Geschichten aus "
      "der Zeit, als der Winter noch länger dauerte und der Schnee bis an die Fenster reichte.");
  EXPECT_EQ(de.code, "de");
  EXPECT_EQ(identify_language("").code, "un");
}

}  // namespace
}  // namespace llmforge::data
