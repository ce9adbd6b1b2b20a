// Writes WARC/1.0 response records as a multi-member .warc.gz (one gzip member per
// record, as Common Crawl does, so readers can seek to any record). The inverse
// of warc_reader.h; used by the synthetic world, tests and benchmarks.
#pragma once

#include <cstdio>
#include <string>

namespace llmforge::data {

// One complete gzip member holding `data`.
std::string gzip_member(const std::string& data);

// An HTTP response record for `url` with an HTML body. `date` is ISO 8601.
std::string warc_response_record(const std::string& url, const std::string& html, const std::string& record_id,
                                 const std::string& date);

}  // namespace llmforge::data
