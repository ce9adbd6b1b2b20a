// Readers: decompression, WARC records (good and damaged), HTTP payloads, JSONL and
// character sets.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "data/byte_reader.h"
#include "core/error.h"
#include "data/charset.h"
#include "data/input_files.h"
#include "data/jsonl_reader.h"
#include "data/warc_reader.h"
#include "test_util.h"

namespace llmforge::data {
namespace {

using test::gzip_member;
using test::TempDir;
using test::warc_record;

std::vector<WarcRecord> read_all(const std::string& bytes, std::vector<InputError>* errors = nullptr,
                                 size_t max_record = 1 << 20) {
  ByteReader in(bytes, "mem.warc");
  WarcReader r(in, max_record);
  std::vector<WarcRecord> out;
  WarcRecord rec;
  while (r.next(rec)) out.push_back(rec);
  if (errors) *errors = r.take_errors();
  return out;
}

TEST(DataByteReader, ReadsMultiMemberGzipAndZstdLineByLine) {
  std::string text = "first line\r\nsecond line\nthird";
  std::string gz = gzip_member("first line\r\n") + gzip_member("second line\n") + gzip_member("third");
  for (const std::string& data : {text, gz, test::zstd_compress(text)}) {
    ByteReader r(data, "mem");
    std::string line;
    std::vector<std::string> lines;
    while (r.read_line(line, 100, nullptr)) lines.push_back(line);
    EXPECT_FALSE(r.failed()) << r.error();
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "first line");
    EXPECT_EQ(lines[1], "second line");
    EXPECT_EQ(lines[2], "third");
  }
}

TEST(DataByteReader, TruncatedGzipIsAnErrorNamingTheFileNotACrash) {
  std::string gz = gzip_member(std::string(100000, 'a') + "\n");
  gz.resize(gz.size() / 2);
  ByteReader r(gz, "cut.gz");
  std::string line;
  bool truncated = false;
  while (r.read_line(line, 1 << 20, &truncated)) {
  }
  ASSERT_TRUE(r.failed());
  EXPECT_NE(r.error().find("cut.gz"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("truncated gzip"), std::string::npos) << r.error();
}

TEST(DataByteReader, LongLineIsCutAndFlagged) {
  std::string data = std::string(5000, 'x') + "\nshort\n";
  ByteReader r(data, "mem");
  std::string line;
  bool truncated = false;
  ASSERT_TRUE(r.read_line(line, 100, &truncated));
  EXPECT_TRUE(truncated);
  EXPECT_EQ(line.size(), 100u);
  ASSERT_TRUE(r.read_line(line, 100, &truncated));
  EXPECT_FALSE(truncated);
  EXPECT_EQ(line, "short");
}

TEST(DataWarcReader, ReadsTypesVersionsAndGzipMembers) {
  std::string page = "<html><body><p>Hello</p></body></html>";
  std::string raw = warc_record("warcinfo", "", "software: test\r\n") +
                    warc_record("response", "http://a.example/", test::http_response(page)) +
                    warc_record("resource", "file:///x.txt", "plain text", "Content-Type: text/plain\r\n",
                                "WARC/1.1") +
                    warc_record("conversion", "http://b.example/", "extracted text");
  std::string gz;
  // Split into members at record boundaries, like real .warc.gz files.
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t next = raw.find("WARC/1.", pos + 1);
    if (next == std::string::npos) next = raw.size();
    gz += gzip_member(raw.substr(pos, next - pos));
    pos = next;
  }
  for (const std::string& data : {raw, gz}) {
    std::vector<InputError> errors;
    auto recs = read_all(data, &errors);
    ASSERT_EQ(recs.size(), 4u);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(recs[0].type, "warcinfo");
    EXPECT_EQ(recs[1].type, "response");
    EXPECT_EQ(recs[1].header("warc-target-uri"), "http://a.example/");
    EXPECT_EQ(recs[2].version, "WARC/1.1");
    EXPECT_EQ(recs[2].block, "plain text");
    EXPECT_EQ(recs[3].type, "conversion");
    HttpResponse http;
    ASSERT_EQ(parse_http_response(recs[1].block, 1 << 20, http), "");
    EXPECT_EQ(http.status, 200);
    EXPECT_EQ(http.body, page);
    EXPECT_EQ(http.headers["content-type"], "text/html; charset=utf-8");
  }
}

TEST(DataWarcReader, ContentLengthTooLongOrTooShortDropsOnlyThatRecord) {
  std::string good1 = warc_record("conversion", "http://1/", "one");
  std::string good3 = warc_record("conversion", "http://3/", "three");
  std::string bad = warc_record("conversion", "http://2/", "two two two");
  // Too long: claims 40 more bytes than it has, swallowing the start of record 3.
  std::string too_long = bad;
  too_long.replace(too_long.find("Content-Length: 11"), 18, "Content-Length: 51");
  // Too short: claims 4 bytes.
  std::string too_short = bad;
  too_short.replace(too_short.find("Content-Length: 11"), 18, "Content-Length: 4");
  for (const std::string& b : {too_long, too_short}) {
    std::vector<InputError> errors;
    auto recs = read_all(good1 + b + good3, &errors);
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[0].block, "one");
    EXPECT_EQ(recs[1].block, "three");
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors[0].kind, "warc_bad_content_length");
    EXPECT_NE(errors[0].message.find("mem.warc at offset"), std::string::npos) << errors[0].message;
  }
}

TEST(DataWarcReader, LyingLengthPastEndOfFileAndTruncationAreCounted) {
  std::string a = warc_record("conversion", "http://1/", "one");
  std::string b = warc_record("conversion", "http://2/", "two");
  std::string lying = a;
  lying.replace(lying.find("Content-Length: 3"), 17, "Content-Length: 99999");
  std::vector<InputError> errors;
  auto recs = read_all(lying + b, &errors);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].block, "two");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].kind, "warc_bad_content_length");

  std::string cut = a + b.substr(0, b.size() - 8);
  recs = read_all(cut, &errors);
  ASSERT_EQ(recs.size(), 1u);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.back().kind, "warc_truncated_record");
}

TEST(DataWarcReader, GarbageOversizeAndTruncatedGzipAreSkippedWithErrors) {
  std::string a = warc_record("conversion", "http://1/", "one");
  std::string big = warc_record("conversion", "http://big/", std::string(5000, 'z'));
  std::string c = warc_record("conversion", "http://3/", "three");
  std::vector<InputError> errors;
  auto recs = read_all("garbage here\nmore\n" + a + big + c, &errors, 1000);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].block, "three");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].kind, "warc_garbage");
  EXPECT_EQ(errors[1].kind, "warc_record_too_large");

  std::string gz = gzip_member(a) + gzip_member(c);
  gz.resize(gz.size() - 10);
  recs = read_all(gz, &errors);
  ASSERT_EQ(recs.size(), 1u);
  bool saw = false;
  for (auto& e : errors) saw |= e.kind == "truncated_or_corrupt_compression";
  EXPECT_TRUE(saw);
}

// A lie far above max_record_bytes (1e12, 2^64 - 1) in record 20 of 40, plain and
// gzip: only that record is lost; the reader resynchronises on the next header.
TEST(DataWarcReader, HugeLyingLengthLosesOnlyThatRecord) {
  for (const char* lie : {"1000000000000", "18446744073709551615"}) {
    for (bool gz : {false, true}) {
      std::string bytes;
      for (int i = 1; i <= 40; ++i) {
        std::string r = warc_record("conversion", "http://" + std::to_string(i) + "/",
                                    "document " + std::to_string(i) + "\nsecond line\n");
        if (i == 20) {
          size_t at = r.find("Content-Length: ");
          size_t eol = r.find("\r\n", at);
          r.replace(at, eol - at, std::string("Content-Length: ") + lie);
        }
        bytes += gz ? gzip_member(r) : r;
      }
      SCOPED_TRACE(std::string(lie) + (gz ? " gzip" : " plain"));
      std::vector<InputError> errors;
      auto recs = read_all(bytes, &errors);
      ASSERT_EQ(recs.size(), 39u);
      EXPECT_EQ(recs[18].block, "document 19\nsecond line\n");
      EXPECT_EQ(recs[19].block, "document 21\nsecond line\n");
      EXPECT_EQ(recs[38].block, "document 40\nsecond line\n");
      ASSERT_EQ(errors.size(), 1u);
      EXPECT_EQ(errors[0].kind, "warc_bad_content_length");
      EXPECT_NE(errors[0].message.find(lie), std::string::npos) << errors[0].message;
    }
  }
}

// Random bytes (under any .warc name; they are not gzip or zstd, so they are read
// as plain) and an empty file yield no record and say why.
TEST(DataWarcReader, InputWithoutAnyRecordIsReportedAsNotWarc) {
  std::string noise(200 * 1024, '\0');
  uint64_t x = 88172645463325252ull;
  for (char& c : noise) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = char(x);
  }
  for (const std::string& bytes : {noise, std::string()}) {
    std::vector<InputError> errors;
    auto recs = read_all(bytes, &errors);
    EXPECT_TRUE(recs.empty());
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors.back().kind, "not_warc");
    EXPECT_NE(errors.back().message.find("mem.warc"), std::string::npos) << errors.back().message;
  }
}

TEST(DataHttpResponse, DecodesChunkedAndGzipBodies) {
  std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\n7\r\n, world\r\n0\r\n\r\n";
  HttpResponse r;
  ASSERT_EQ(parse_http_response(chunked, 1 << 20, r), "");
  EXPECT_EQ(r.body, "Hello, world");
  std::string gz = "HTTP/1.1 404 Not Found\r\nContent-Encoding: gzip\r\n\r\n" + gzip_member("compressed body");
  ASSERT_EQ(parse_http_response(gz, 1 << 20, r), "");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "compressed body");
  EXPECT_NE(parse_http_response("not http", 100, r), "");
}

TEST(DataJsonlReader, ReadsCompressedFilesAndSkipsBadLinesWithErrors) {
  TempDir dir;
  std::string lines =
      "{\"id\": \"a\", \"content\": \"first\", \"url\": \"http://a/\"}\n"
      "not json\n"
      "{\"id\": \"b\"}\n"
      "\n"
      "{\"content\": \"second\"}\n";
  test::write_bytes(dir / "x.jsonl.gz", gzip_member(lines));
  test::write_bytes(dir / "x.jsonl.zst", test::zstd_compress(lines));
  for (const char* name : {"x.jsonl.gz", "x.jsonl.zst"}) {
    ByteReader in(dir / name);
    JsonlReader r(in, "content", 1 << 20);
    Document d;
    std::vector<Document> docs;
    while (r.next(d)) docs.push_back(d);
    ASSERT_EQ(docs.size(), 2u);
    EXPECT_EQ(docs[0].text, "first");
    EXPECT_EQ(docs[0].url, "http://a/");
    EXPECT_EQ(docs[1].text, "second");
    EXPECT_NE(docs[1].id.find(":5"), std::string::npos) << "id falls back to file:line";
    auto errors = r.take_errors();
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].kind, "jsonl_bad_json");
    EXPECT_NE(errors[0].message.find(":2"), std::string::npos) << errors[0].message;
    EXPECT_EQ(errors[1].kind, "jsonl_missing_text");
  }
}

TEST(DataJsonlReader, HundredMegabyteLineIsSkippedWithBoundedMemory) {
  TempDir dir;
  {
    std::ofstream f(dir / "big.jsonl", std::ios::binary);
    f << "{\"text\": \"";
    std::string chunk(1 << 20, 'a');
    for (int i = 0; i < 100; ++i) f << chunk;
    f << "\"}\n{\"text\": \"after\"}\n";
  }
  ByteReader in(dir / "big.jsonl");
  JsonlReader r(in, "text", 8 << 20);
  Document d;
  ASSERT_TRUE(r.next(d));
  EXPECT_EQ(d.text, "after");
  auto errors = r.take_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].kind, "jsonl_line_too_long");
  // The line was skipped, not loaded: the process never held anything near 100 MB.
  // (ctest runs each test case in its own process, so this is this test's peak.)
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  EXPECT_LT(ru.ru_maxrss, 64 * 1024) << "peak RSS " << ru.ru_maxrss << " KB";
}

TEST(DataCharset, ConvertsDeclaredAndSniffedCharsetsToUtf8) {
  CharsetConverter conv;
  std::string out;
  // ISO-8859-1 "café" declared in the HTTP header.
  auto r = conv.to_utf8("caf\xE9", charset_from_content_type("text/html; charset=ISO-8859-1"), true, out);
  EXPECT_EQ(out, "caf\xC3\xA9");
  EXPECT_EQ(r.invalid_sequences, 0u);
  // GBK "中文" declared in <meta>.
  std::string gbk_page = "<html><head><meta charset=\"gbk\"></head><body>\xD6\xD0\xCE\xC4</body></html>";
  r = conv.to_utf8(gbk_page, "", true, out);
  EXPECT_EQ(r.charset, "gb18030");
  EXPECT_NE(out.find("\xE4\xB8\xAD\xE6\x96\x87"), std::string::npos);
  // Undeclared and not UTF-8: windows-1252.
  r = conv.to_utf8("na\xEFve", "", false, out);
  EXPECT_EQ(out, "na\xC3\xAFve");
  // Declared UTF-8 but invalid: replaced and counted.
  r = conv.to_utf8("ok \xFF\xFE bad", "utf-8", false, out);
  EXPECT_EQ(r.invalid_sequences, 2u);
  EXPECT_EQ(out, "ok \xEF\xBF\xBD\xEF\xBF\xBD bad");
  // Unknown label: read as UTF-8 and flagged.
  r = conv.to_utf8("abc", "x-no-such-charset", false, out);
  EXPECT_TRUE(r.unknown_charset);
  EXPECT_EQ(out, "abc");
}

}  // namespace
}  // namespace llmforge::data

namespace llmforge::data {
namespace {

TEST(DataInputFiles, GuessesFormatsAndListsFoldersInAStableOrder) {
  EXPECT_EQ(guess_format("a/CC-MAIN-1.warc.gz"), InputFormat::Warc);
  EXPECT_EQ(guess_format("a/CC-MAIN-1.warc.wet.gz"), InputFormat::Warc);
  EXPECT_EQ(guess_format("x.WARC.zst"), InputFormat::Warc);
  EXPECT_EQ(guess_format("x.jsonl.zst"), InputFormat::Jsonl);
  EXPECT_EQ(guess_format("x.ndjson"), InputFormat::Jsonl);
  EXPECT_EQ(guess_format("notes.txt.gz"), InputFormat::Text);
  test::TempDir dir;
  test::write_bytes(dir / "b/2.jsonl", "{}\n");
  test::write_bytes(dir / "a.warc", "");
  test::write_bytes(dir / "b/1.txt", "x");
  test::write_bytes(dir / "b/.hidden", "x");
  auto files = list_inputs({dir.path(), dir / "a.warc"}, "auto");
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].path, dir / "a.warc");
  EXPECT_EQ(files[1].path, dir / "b/1.txt");
  EXPECT_EQ(files[2].format, InputFormat::Jsonl);
  EXPECT_EQ(list_inputs({dir / "b/1.txt"}, "jsonl")[0].format, InputFormat::Jsonl);
  EXPECT_THROW(list_inputs({dir / "nope"}, "auto"), Error);
  EXPECT_THROW(list_inputs({dir.path()}, "xml"), Error);
}

}  // namespace
}  // namespace llmforge::data
