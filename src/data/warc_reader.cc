#include "data/warc_reader.h"

#include <zlib.h>

#include <charconv>
#include <cstring>

#include "data/text_utils.h"

namespace llmforge::data {

namespace {
constexpr size_t kMaxHeaderLine = 64 * 1024;
constexpr size_t kMaxHeaderLines = 1000;

bool parse_u64(std::string_view s, uint64_t& v) {
  s = trim(s);
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Splits "Name: value" and stores it with a lower-case name.
void add_header(std::map<std::string, std::string>& h, std::string_view line) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string name = to_lower_ascii(trim(line.substr(0, colon)));
  std::string value(trim(line.substr(colon + 1)));
  auto [it, inserted] = h.emplace(name, value);
  if (!inserted) it->second += ", " + value;
}

// Inflates gzip or zlib/deflate data; false when it is corrupt.
bool inflate_body(std::string_view in, bool gzip, size_t max_out, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, gzip ? 15 + 32 : 15 + 32) != Z_OK) return false;
  out.clear();
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > max_out) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END || rc == Z_OK || (rc == Z_BUF_ERROR && !out.empty());
}

std::string dechunk(std::string_view body, std::string& out) {
  out.clear();
  size_t p = 0;
  while (p < body.size()) {
    size_t eol = body.find("\r\n", p);
    if (eol == std::string_view::npos) return "chunk size line without CRLF";
    std::string_view size_hex = body.substr(p, eol - p);
    if (auto semi = size_hex.find(';'); semi != std::string_view::npos)
      size_hex = size_hex.substr(0, semi);
    size_hex = trim(size_hex);
    uint64_t n = 0;
    auto r = std::from_chars(size_hex.data(), size_hex.data() + size_hex.size(), n, 16);
    if (r.ec != std::errc() || size_hex.empty()) return "bad chunk size";
    p = eol + 2;
    if (n == 0) return {};
    if (n > body.size() - p) {
      out.append(body.substr(p));  // truncated last chunk: keep what is there
      return {};
    }
    out.append(body.substr(p, n));
    p += n + 2;
  }
  return {};
}
}  // namespace

const std::string& WarcRecord::header(const std::string& lower_name) const {
  static const std::string kEmpty;
  auto it = headers.find(lower_name);
  return it == headers.end() ? kEmpty : it->second;
}

std::string parse_http_response(std::string_view block, size_t max_body_bytes, HttpResponse& out) {
  out = HttpResponse{};
  if (!starts_with(block, "HTTP/")) return "no HTTP status line";
  size_t head_end = block.find("\r\n\r\n");
  size_t sep = 4;
  if (head_end == std::string_view::npos) {
    head_end = block.find("\n\n");
    sep = 2;
  }
  if (head_end == std::string_view::npos) return "HTTP headers not terminated";
  std::string_view head = block.substr(0, head_end);
  auto lines = split_lines(head);
  std::string_view status_line = lines[0];
  size_t sp = status_line.find(' ');
  if (sp == std::string_view::npos) return "bad HTTP status line";
  std::string_view code = status_line.substr(sp + 1, 3);
  auto r = std::from_chars(code.data(), code.data() + code.size(), out.status);
  if (r.ec != std::errc()) return "bad HTTP status code";
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    add_header(out.headers, l);
  }
  std::string_view body = block.substr(head_end + sep);
  std::string decoded;
  auto te = out.headers.find("transfer-encoding");
  if (te != out.headers.end() && to_lower_ascii(te->second).find("chunked") != std::string::npos) {
    std::string err = dechunk(body, decoded);
    if (!err.empty()) return err;
  } else {
    decoded.assign(body);
  }
  auto ce = out.headers.find("content-encoding");
  if (ce != out.headers.end()) {
    std::string enc = to_lower_ascii(ce->second);
    if (enc.find("gzip") != std::string::npos || enc.find("deflate") != std::string::npos) {
      std::string inflated;
      if (!inflate_body(decoded, true, max_body_bytes, inflated))
        return "corrupt " + enc + " content encoding";
      decoded.swap(inflated);
    } else if (enc != "identity" && !enc.empty()) {
      return "unsupported content encoding " + enc;
    }
  }
  if (decoded.size() > max_body_bytes) decoded.resize(max_body_bytes);
  out.body = std::move(decoded);
  return {};
}

WarcReader::WarcReader(ByteReader& in, size_t max_record_bytes)
    : in_(in), max_record_bytes_(max_record_bytes) {}

void WarcReader::error(const std::string& kind, const std::string& what, uint64_t offset) {
  errors_.push_back({kind, in_.path() + " at offset " + std::to_string(offset) + ": " + what});
}

bool WarcReader::find_record_start(std::string& line) {
  bool garbage = false;
  uint64_t garbage_at = 0;
  bool truncated = false;
  for (;;) {
    uint64_t at = in_.bytes_read();
    if (!in_.read_line(line, kMaxHeaderLine, &truncated)) return false;
    if (starts_with(line, "WARC/1.")) {
      if (garbage && !quiet_resync_)
        error("warc_garbage", "skipped bytes that are not a WARC record", garbage_at);
      quiet_resync_ = false;
      return true;
    }
    if (!line.empty() && !garbage) {
      garbage = true;
      garbage_at = at;
    }
  }
}

bool WarcReader::skip_oversized(uint64_t length, uint64_t start) {
  // Streams through the claimed length without holding it. A record header after a
  // blank line inside it means the length lies (1e12 in a 1 MB file): the record is
  // dropped there and reading goes on from that header, so the records after a lying
  // one are kept. (A real oversized record that embeds a WARC file would be split at
  // the embedded header; its own remainder is then skipped as garbage.)
  static constexpr std::string_view kHeader = "\n\r\nWARC/1.";
  static constexpr std::string_view kHeaderLf = "\n\nWARC/1.";
  std::string buf;
  uint64_t done = 0;
  size_t keep = 0;  // bytes carried over from the previous block
  while (done < length) {
    const size_t want = size_t(std::min<uint64_t>(1 << 16, length - done));
    buf.resize(keep + want);
    const size_t got = in_.read_exact(buf.data() + keep, want);
    buf.resize(keep + got);
    done += got;
    size_t at = buf.find(kHeader);
    size_t skip_to = at == std::string::npos ? at : at + 3;
    if (size_t lf = buf.find(kHeaderLf); lf != std::string::npos && lf + 2 < skip_to) skip_to = lf + 2;
    if (skip_to != std::string::npos) {
      error("warc_bad_content_length",
            "Content-Length " + std::to_string(length) +
                " runs over the next record's header; record dropped",
            start);
      in_.unread(buf.data() + skip_to, buf.size() - skip_to);
      return true;
    }
    if (got < want) break;
    keep = std::min<size_t>(buf.size(), kHeader.size() - 1);
    buf.erase(0, buf.size() - keep);
  }
  if (done < length) {
    error("warc_truncated_record",
          "Content-Length " + std::to_string(length) + " but the file ends " +
              std::to_string(done) + " bytes into the record",
          start);
    if (in_.failed()) error("truncated_or_corrupt_compression", in_.error(), in_.bytes_read());
    return false;
  }
  error("warc_record_too_large",
        "record of " + std::to_string(length) + " bytes skipped (limit " +
            std::to_string(max_record_bytes_) + ")",
        start);
  return true;
}

bool WarcReader::next(WarcRecord& rec) {
  std::string line;
  for (;;) {
    uint64_t start = in_.bytes_read();
    if (!find_record_start(line)) {
      if (in_.failed()) error("truncated_or_corrupt_compression", in_.error(), in_.bytes_read());
      // An input without a single record header is not WARC at all (random bytes,
      // another format under a .warc name): say so instead of reporting nothing.
      if (!saw_header_ && !in_.failed()) {
        error("not_warc",
              in_.bytes_read() == 0 ? "empty file, no WARC record"
                                    : "no WARC/1.x record header in " +
                                          std::to_string(in_.bytes_read()) +
                                          " bytes: not a WARC file",
              0);
      }
      return false;
    }
    saw_header_ = true;
    rec = WarcRecord{};
    rec.version = line;
    rec.offset = start;
    bool truncated = false;
    bool header_ok = false;
    for (size_t n = 0; n < kMaxHeaderLines; ++n) {
      if (!in_.read_line(line, kMaxHeaderLine, &truncated)) break;
      if (line.empty()) {
        header_ok = true;
        break;
      }
      add_header(rec.headers, line);
    }
    if (!header_ok) {
      error("warc_bad_header", "WARC header not terminated", start);
      if (in_.failed()) {
        error("truncated_or_corrupt_compression", in_.error(), in_.bytes_read());
        return false;
      }
      continue;
    }
    rec.type = rec.header("warc-type");
    uint64_t length = 0;
    if (!parse_u64(rec.header("content-length"), length)) {
      error("warc_bad_header", "missing or unparsable Content-Length", start);
      continue;
    }
    if (length > max_record_bytes_) {
      if (!skip_oversized(length, start)) return false;
      continue;
    }
    rec.block.resize(length);
    size_t got = in_.read_exact(rec.block.data(), length);
    if (got < length) {
      // Either the file is cut short, or Content-Length is too long and later
      // records are inside what was read: then resynchronise on them.
      rec.block.resize(got);
      size_t p = rec.block.find("\nWARC/1.");
      if (p != std::string::npos && !in_.failed()) {
        error("warc_bad_content_length",
              "Content-Length " + std::to_string(length) + " runs past the end of the file; record dropped",
              start);
        in_.unread(rec.block.data() + p + 1, rec.block.size() - p - 1);
        quiet_resync_ = true;
        continue;
      }
      error("warc_truncated_record",
            "file ends " + std::to_string(length - got) + " bytes into a record's content", start);
      if (in_.failed()) error("truncated_or_corrupt_compression", in_.error(), in_.bytes_read());
      return false;
    }
    char trailer[4];
    size_t tn = in_.read_exact(trailer, 4);
    if (tn == 4 && std::memcmp(trailer, "\r\n\r\n", 4) == 0) {
      ++records_;
      return true;
    }
    if (tn >= 2 && std::memcmp(trailer, "\n\n", 2) == 0) {
      in_.unread(trailer + 2, tn - 2);
      ++records_;
      return true;
    }
    // The block is not followed by the record separator: Content-Length lies. If it
    // was too long, the next record starts inside the block; if too short, the rest
    // of the block is still ahead and find_record_start skips it.
    error("warc_bad_content_length",
          "Content-Length " + std::to_string(length) + " does not match the record; record dropped",
          start);
    // Rescan everything after the header line by line for the next record start;
    // the skipped lines belong to this record and are not reported again.
    std::string tail = rec.block;
    tail.append(trailer, tn);
    in_.unread(tail.data(), tail.size());
    quiet_resync_ = true;
  }
}

}  // namespace llmforge::data
