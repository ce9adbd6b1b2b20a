#include "data/warc_writer.h"

#include <zlib.h>

#include "core/error.h"

namespace llmforge::data {

std::string gzip_member(const std::string& data) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    ErrorBuilder("data") << "zlib deflateInit2 failed";
  }
  std::string out(deflateBound(&z, uLong(data.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = uInt(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  int rc = deflate(&z, Z_FINISH);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) ErrorBuilder("data") << "zlib deflate failed (" << rc << ")";
  out.resize(z.total_out);
  return out;
}

std::string warc_response_record(const std::string& url, const std::string& html, const std::string& record_id,
                                 const std::string& date) {
  const std::string http = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " +
                           std::to_string(html.size()) + "\r\n\r\n" + html;
  return "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: " + url + "\r\nWARC-Record-ID: <urn:uuid:" +
         record_id + ">\r\nWARC-Date: " + date +
         "\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: " + std::to_string(http.size()) +
         "\r\n\r\n" + http + "\r\n\r\n";
}

}  // namespace llmforge::data
