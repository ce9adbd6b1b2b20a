#include "serve/metrics.h"

#include <sstream>

namespace llmforge::serve {

void Metrics::record(const std::string& path, int status) {
  // Unknown paths share one label so that a scan cannot grow the table without end.
  static const char* kKnown[] = {"/",           "/index.html",         "/chat.js",
                                 "/style.css",  "/health",             "/metrics",
                                 "/v1/models",  "/v1/chat/completions", "/v1/completions"};
  std::string label = "other";
  for (const char* k : kKnown)
    if (path == k) label = k;
  std::lock_guard<std::mutex> lk(mu_);
  ++requests_[{label, status}];
}

std::string Metrics::render(const SchedulerStats& s, int connections, uint64_t refused) const {
  std::ostringstream o;
  o << "# HELP llmforge_requests_total HTTP requests by path and status.\n"
       "# TYPE llmforge_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto& [key, n] : requests_)
      o << "llmforge_requests_total{path=\"" << key.first << "\",code=\"" << key.second << "\"} "
        << n << "\n";
    o << "# HELP llmforge_rejected_total Requests refused because the queue was full.\n"
         "# TYPE llmforge_rejected_total counter\nllmforge_rejected_total "
      << rejected_ << "\n";
  }
  o << "# HELP llmforge_prompt_tokens_total Prompt tokens prefilled.\n"
       "# TYPE llmforge_prompt_tokens_total counter\nllmforge_prompt_tokens_total "
    << s.prompt_tokens << "\n"
    << "# HELP llmforge_completion_tokens_total Tokens generated.\n"
       "# TYPE llmforge_completion_tokens_total counter\nllmforge_completion_tokens_total "
    << s.completion_tokens << "\n"
    << "# HELP llmforge_tokens_per_second Tokens generated per second over the last 10 s.\n"
       "# TYPE llmforge_tokens_per_second gauge\nllmforge_tokens_per_second "
    << s.tokens_per_second << "\n"
    << "# HELP llmforge_queue_length Requests waiting for a decoding slot.\n"
       "# TYPE llmforge_queue_length gauge\nllmforge_queue_length "
    << s.queued << "\n"
    << "# HELP llmforge_connections Open HTTP connections.\n"
       "# TYPE llmforge_connections gauge\nllmforge_connections "
    << connections << "\n"
    << "# HELP llmforge_connections_refused_total Connections refused (too many from one address).\n"
       "# TYPE llmforge_connections_refused_total counter\nllmforge_connections_refused_total "
    << refused << "\n"
    << "# HELP llmforge_active_sequences Sequences being decoded.\n"
       "# TYPE llmforge_active_sequences gauge\nllmforge_active_sequences "
    << s.active << "\n";
  return o.str();
}

}  // namespace llmforge::serve
