// HTML to text with an HTML5 parser (gumbo). Keeps the main content with its
// paragraph structure: blocks are separated by "\n", paragraphs, headings, lists,
// tables and quotes by a blank line; whitespace is collapsed outside <pre>.
// Dropped: <script>, <style>, <nav>, <footer>, <aside>, forms and embedded objects;
// elements whose role, id or class mark them as navigation, menus, footers,
// sidebars, cookie/consent banners, share bars, ads or pop-ups; hidden elements; and
// link farms (blocks whose text is mostly link text). When the page has a <main>,
// role="main" or <article> with text, only that part is kept.
// Input must be UTF-8 (see charset.h). Thread-safe: no shared state.
#pragma once

#include <string>
#include <string_view>

namespace llmforge::data {

struct ExtractedPage {
  std::string title;
  std::string text;
};

struct HtmlExtractOptions {
  // A block with at least this fraction of its text inside <a> is a menu or link farm.
  double max_link_density = 0.5;
  // Pages larger than this are cut before parsing (bounded memory and time).
  size_t max_html_bytes = 8 << 20;
};

ExtractedPage extract_html(std::string_view html, const HtmlExtractOptions& options = {});

// Removes comments and <script>, <style>, <noscript>, <svg> and <template>
// elements (with their content), and <nav> and <footer> elements whose end tag is
// found, by a byte scan: their content never becomes text, and skipping them
// before parsing is much cheaper than parsing them.
std::string strip_ignored_elements(std::string_view html);

}  // namespace llmforge::data
