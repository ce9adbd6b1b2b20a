// The chat page (web/index.html, chat.js, style.css), embedded in the binary at
// build time by embed_web.cmake: no build step, nothing to install beside llmforge.
#pragma once

#include <string_view>
#include <vector>

namespace llmforge::serve {

struct WebAsset {
  const char* path;          // "/index.html"
  const char* content_type;  // "text/html; charset=utf-8"
  std::string_view body;
};

const std::vector<WebAsset>& web_assets();

}  // namespace llmforge::serve
