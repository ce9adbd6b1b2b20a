#include "data/charset.h"

#include <cerrno>
#include <cstring>

#include "data/text_utils.h"

namespace llmforge::data {

namespace {

std::string normalize_charset_name(std::string_view name) {
  std::string s = to_lower_ascii(trim(name));
  while (!s.empty() && (s.front() == '"' || s.front() == '\'')) s.erase(s.begin());
  while (!s.empty() && (s.back() == '"' || s.back() == '\'' || s.back() == ';')) s.pop_back();
  // WHATWG aliases: these labels mean a superset in practice.
  if (s == "iso-8859-1" || s == "latin1" || s == "us-ascii" || s == "ascii" || s == "latin-1")
    return "windows-1252";
  if (s == "gb2312" || s == "gbk" || s == "x-gbk") return "gb18030";
  if (s == "utf8") return "utf-8";
  return s;
}

// Value of `key=` in `s` (case-insensitive), up to ; " ' space or >.
std::string param_value(std::string_view s, std::string_view key) {
  std::string lower = to_lower_ascii(s);
  size_t p = lower.find(key);
  if (p == std::string::npos) return {};
  p += key.size();
  while (p < s.size() && (s[p] == ' ' || s[p] == '=')) ++p;
  while (p < s.size() && (s[p] == '"' || s[p] == '\'')) ++p;
  size_t e = p;
  while (e < s.size() && s[e] != ';' && s[e] != '"' && s[e] != '\'' && s[e] != ' ' &&
         s[e] != '>' && s[e] != '/' && s[e] != ',')
    ++e;
  return std::string(s.substr(p, e - p));
}

}  // namespace

std::string charset_from_content_type(std::string_view content_type) {
  std::string v = param_value(content_type, "charset");
  return v.empty() ? v : normalize_charset_name(v);
}

std::string sniff_html_charset(std::string_view html) {
  std::string head = to_lower_ascii(html.substr(0, 4096));
  size_t pos = 0;
  while ((pos = head.find("<meta", pos)) != std::string::npos) {
    size_t end = head.find('>', pos);
    if (end == std::string::npos) break;
    std::string_view tag(head.data() + pos, end - pos);
    if (tag.find("charset") != std::string_view::npos) {
      std::string v = param_value(tag, "charset");
      if (!v.empty()) return normalize_charset_name(v);
    }
    pos = end;
  }
  return {};
}

CharsetConverter::~CharsetConverter() {
  for (auto& [name, h] : handles_)
    if (h != reinterpret_cast<iconv_t>(-1)) iconv_close(h);
}

iconv_t CharsetConverter::handle(const std::string& charset) {
  auto it = handles_.find(charset);
  if (it != handles_.end()) return it->second;
  iconv_t h = iconv_open("UTF-8", charset.c_str());
  handles_[charset] = h;
  return h;
}

DecodeResult CharsetConverter::to_utf8(std::string_view in, std::string declared, bool is_html,
                                       std::string& out) {
  DecodeResult r;
  // A byte-order mark wins over everything else.
  if (in.size() >= 3 && static_cast<unsigned char>(in[0]) == 0xEF &&
      static_cast<unsigned char>(in[1]) == 0xBB && static_cast<unsigned char>(in[2]) == 0xBF) {
    in.remove_prefix(3);
    declared = "utf-8";
  } else if (in.size() >= 2 && static_cast<unsigned char>(in[0]) == 0xFF &&
             static_cast<unsigned char>(in[1]) == 0xFE) {
    declared = "utf-16le";
  } else if (in.size() >= 2 && static_cast<unsigned char>(in[0]) == 0xFE &&
             static_cast<unsigned char>(in[1]) == 0xFF) {
    declared = "utf-16be";
  }
  declared = normalize_charset_name(declared);
  if (declared.empty() && is_html) declared = sniff_html_charset(in);
  if (declared.empty()) declared = is_valid_utf8(in) ? "utf-8" : "windows-1252";

  if (declared == "utf-8") {
    out.assign(in);
    r.charset = declared;
    r.invalid_sequences = sanitize_utf8(out);
    return r;
  }
  iconv_t h = handle(declared);
  if (h == reinterpret_cast<iconv_t>(-1)) {
    // Unknown label: fall back to UTF-8 with replacement characters.
    r.unknown_charset = true;
    out.assign(in);
    r.charset = "utf-8";
    r.invalid_sequences = sanitize_utf8(out);
    return r;
  }
  r.charset = declared;
  iconv(h, nullptr, nullptr, nullptr, nullptr);  // reset shift state
  out.clear();
  out.resize(in.size() * 2 + 16);
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  size_t written = 0;
  while (src_left > 0) {
    char* dst = out.data() + written;
    size_t dst_left = out.size() - written;
    size_t rc = iconv(h, &src, &src_left, &dst, &dst_left);
    written = out.size() - dst_left;
    if (rc != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
    } else {
      // EILSEQ or EINVAL (truncated sequence at the end): replace one byte, go on.
      ++r.invalid_sequences;
      ++src;
      --src_left;
      if (out.size() - written < 3) out.resize(out.size() * 2 + 3);
      std::memcpy(out.data() + written, "\xEF\xBF\xBD", 3);
      written += 3;
    }
  }
  out.resize(written);
  r.invalid_sequences += sanitize_utf8(out);
  return r;
}

}  // namespace llmforge::data
