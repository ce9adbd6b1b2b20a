// PII masking: e-mail addresses and public IPv4 addresses are replaced by
// placeholders (defaults follow FineWeb: a fixed example address, and an address
// from a reserved range). Private, loopback, link-local, multicast and documentation
// ranges are not personal and are kept. Pure functions: thread-safe.
#pragma once

#include <string>

namespace llmforge::data {

struct PiiConfig {
  bool enabled = true;
  std::string email_placeholder = "email@example.com";
  std::string ip_placeholder = "0.0.0.0";
};

struct PiiCounts {
  size_t emails = 0;
  size_t ips = 0;
};

PiiCounts mask_pii(std::string& text, const PiiConfig& config);
// True for an IPv4 address outside private and reserved ranges.
bool is_public_ipv4(unsigned a, unsigned b, unsigned c, unsigned d);

}  // namespace llmforge::data
