// Escaping text for HTML and SVG (XML) output: the generated crawl's pages, the
// report plots and the tokenizer's HTML view all put arbitrary text inside markup.
#pragma once

#include <string>

namespace llmforge {

// Replaces & < > " with their entities, so the text is safe both between tags and
// inside a double-quoted attribute.
std::string markup_escape(const std::string& text);

}  // namespace llmforge
