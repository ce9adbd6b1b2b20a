#include "data/html_extract.h"

#include <gumbo.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <vector>

#include "data/text_utils.h"

namespace llmforge::data {

namespace {

// Class/id words that mark boilerplate. Matched against the tokens of the attribute
// (split on non-alphanumerics), so "main-nav" and "cookie_banner" match but
// "canvas" does not.
const char* const kBoilerplateTokens[] = {
    "nav",        "navbar",    "navigation", "menu",     "menubar",  "footer",   "cookie",
    "cookies",    "consent",   "gdpr",       "banner",   "sidebar",  "breadcrumb",
    "breadcrumbs", "share",    "sharing",    "social",   "advert",   "advertisement",
    "ads",        "ad",        "sponsored",  "popup",    "modal",    "newsletter",
    "subscribe",  "skip",      "pagination", "pager",    "toolbar",  "masthead",
    "topbar",     "signup",    "login",      "related",  "comments", "comment-list"};

const char* const kBoilerplateRoles[] = {"navigation", "contentinfo", "banner", "complementary",
                                         "menu",       "menubar",     "dialog", "alertdialog",
                                         "search",     "toolbar"};

bool has_boilerplate_token(const char* value) {
  std::string v = to_lower_ascii(value);
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && !std::isalnum(static_cast<unsigned char>(v[i]))) ++i;
    size_t s = i;
    while (i < v.size() && std::isalnum(static_cast<unsigned char>(v[i]))) ++i;
    if (i == s) continue;
    std::string_view tok(v.data() + s, i - s);
    for (const char* b : kBoilerplateTokens)
      if (tok == b) return true;
  }
  return false;
}

bool is_skipped_tag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_NAV:
    case GUMBO_TAG_FOOTER: case GUMBO_TAG_ASIDE: case GUMBO_TAG_FORM: case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_SVG: case GUMBO_TAG_BUTTON: case GUMBO_TAG_SELECT: case GUMBO_TAG_OPTION:
    case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_HEAD: case GUMBO_TAG_OBJECT: case GUMBO_TAG_EMBED:
    case GUMBO_TAG_CANVAS: case GUMBO_TAG_MENU: case GUMBO_TAG_INPUT:
    case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_MATH: case GUMBO_TAG_MAP: case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_VIDEO: case GUMBO_TAG_PARAM: case GUMBO_TAG_SOURCE:
      return true;
    default:
      return false;
  }
}

// 0: inline, 1: line break around it, 2: blank line around it.
int block_level(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
    case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_PRE: case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_TABLE: case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_DL:
    case GUMBO_TAG_ARTICLE: case GUMBO_TAG_SECTION: case GUMBO_TAG_FIGURE:
      return 2;
    case GUMBO_TAG_DIV: case GUMBO_TAG_LI: case GUMBO_TAG_TR: case GUMBO_TAG_BR:
    case GUMBO_TAG_HR: case GUMBO_TAG_DT: case GUMBO_TAG_DD: case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_CENTER: case GUMBO_TAG_MAIN: case GUMBO_TAG_BODY:
    case GUMBO_TAG_HEADER: case GUMBO_TAG_CAPTION: case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_SUMMARY: case GUMBO_TAG_TBODY: case GUMBO_TAG_THEAD: case GUMBO_TAG_TFOOT:
      return 1;
    default:
      return 0;
  }
}

bool is_link_density_candidate(GumboTag tag) {
  return tag == GUMBO_TAG_UL || tag == GUMBO_TAG_OL || tag == GUMBO_TAG_DIV ||
         tag == GUMBO_TAG_TABLE || tag == GUMBO_TAG_P || tag == GUMBO_TAG_SECTION ||
         tag == GUMBO_TAG_DL || tag == GUMBO_TAG_HEADER;
}

const char* attr(const GumboElement& e, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
  return a ? a->value : nullptr;
}

bool is_boilerplate_element(const GumboElement& e) {
  if (is_skipped_tag(e.tag)) return true;
  if (gumbo_get_attribute(&e.attributes, "hidden")) return true;
  if (const char* h = attr(e, "aria-hidden"); h && std::strcmp(h, "true") == 0) return true;
  if (const char* st = attr(e, "style")) {
    std::string s = to_lower_ascii(st);
    s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
    if (s.find("display:none") != std::string::npos) return true;
  }
  if (const char* role = attr(e, "role")) {
    std::string r = to_lower_ascii(role);
    for (const char* b : kBoilerplateRoles)
      if (r == b) return true;
  }
  if (const char* id = attr(e, "id"); id && has_boilerplate_token(id)) return true;
  if (const char* cls = attr(e, "class"); cls && has_boilerplate_token(cls)) return true;
  return false;
}

class Walker {
 public:
  std::string out;

  // Returns the number of text bytes emitted; `link_bytes` collects those inside <a>.
  size_t walk(const GumboNode* node, bool in_pre, bool in_link, size_t& link_bytes, int depth) {
    if (depth > 200) return 0;  // pathological nesting: gumbo already caps, be safe
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA ||
        (node->type == GUMBO_NODE_WHITESPACE && in_pre)) {
      size_t n = emit_text(node->v.text.text, in_pre);
      if (in_link) link_bytes += n;
      return n;
    }
    if (node->type == GUMBO_NODE_WHITESPACE) {
      if (!out.empty() && out.back() != ' ' && out.back() != '\n') pending_space_ = true;
      return 0;
    }
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) return 0;
    const GumboElement& e = node->v.element;
    if (is_boilerplate_element(e)) return 0;
    if (e.tag == GUMBO_TAG_TD || e.tag == GUMBO_TAG_TH) pending_space_ = true;
    int level = block_level(e.tag);
    if (e.tag == GUMBO_TAG_BR) {
      request_break(1);
      return 0;
    }
    request_break(level);
    size_t mark = out.size();
    int pending_mark = pending_break_;
    bool space_mark = pending_space_;
    size_t my_links = 0;
    size_t text = 0;
    bool pre = in_pre || e.tag == GUMBO_TAG_PRE;
    bool link = in_link || e.tag == GUMBO_TAG_A;
    for (unsigned i = 0; i < e.children.length; ++i) {
      text += walk(static_cast<const GumboNode*>(e.children.data[i]), pre, link, my_links, depth + 1);
    }
    if (is_link_density_candidate(e.tag) && text > 0 && !in_link &&
        static_cast<double>(my_links) >= max_link_density_ * static_cast<double>(text)) {
      out.resize(mark);  // a menu or link farm: take it back out
      pending_break_ = pending_mark;
      pending_space_ = space_mark;
      return 0;
    }
    link_bytes += my_links;
    request_break(level);
    return text;
  }

  double max_link_density_ = 0.5;

 private:
  void request_break(int level) {
    if (level > pending_break_) pending_break_ = level;
  }

  size_t emit_text(const char* text, bool in_pre) {
    size_t before = out.size();
    size_t n = std::strlen(text);
    for (size_t i = 0; i < n; ++i) {
      char c = text[i];
      bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f';
      if (in_pre && c == '\n') {
        flush_break();
        out.push_back('\n');
        pending_space_ = false;
        continue;
      }
      if (space && in_pre) {
        flush_break();
        out.push_back(c == '\t' ? '\t' : ' ');
        continue;
      }
      if (space) {
        pending_space_ = true;
        continue;
      }
      flush_break();
      if (pending_space_ && !out.empty() && out.back() != '\n' && out.back() != ' ')
        out.push_back(' ');
      pending_space_ = false;
      out.push_back(c);
    }
    return out.size() - before;
  }

  void flush_break() {
    if (pending_break_ == 0) return;
    if (!out.empty()) {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      // Collapse to at most the requested number of newlines.
      size_t have = 0;
      while (have < out.size() && out[out.size() - 1 - have] == '\n') ++have;
      for (size_t k = have; k < static_cast<size_t>(pending_break_); ++k) out.push_back('\n');
    }
    pending_break_ = 0;
    pending_space_ = false;
  }

  int pending_break_ = 0;
  bool pending_space_ = false;
};

const GumboNode* find_tag(const GumboNode* node, GumboTag tag, int depth = 0) {
  if (node->type != GUMBO_NODE_ELEMENT || depth > 100) return nullptr;
  if (node->v.element.tag == tag) return node;
  const GumboVector& ch = node->v.element.children;
  for (unsigned i = 0; i < ch.length; ++i)
    if (auto* f = find_tag(static_cast<const GumboNode*>(ch.data[i]), tag, depth + 1)) return f;
  return nullptr;
}

// <main> or role="main" or <article>, outside boilerplate containers.
const GumboNode* find_main(const GumboNode* node, int depth = 0) {
  if (node->type != GUMBO_NODE_ELEMENT || depth > 100) return nullptr;
  const GumboElement& e = node->v.element;
  if (is_boilerplate_element(e)) return nullptr;
  if (e.tag == GUMBO_TAG_MAIN || e.tag == GUMBO_TAG_ARTICLE) return node;
  if (const char* role = attr(e, "role"); role && std::strcmp(role, "main") == 0) return node;
  for (unsigned i = 0; i < e.children.length; ++i)
    if (auto* f = find_main(static_cast<const GumboNode*>(e.children.data[i]), depth + 1)) return f;
  return nullptr;
}

std::string node_text(const GumboNode* node) {
  std::string s;
  if (!node) return s;
  const GumboVector& ch = node->v.element.children;
  for (unsigned i = 0; i < ch.length; ++i) {
    auto* c = static_cast<const GumboNode*>(ch.data[i]);
    if (c->type == GUMBO_NODE_TEXT) s += c->v.text.text;
  }
  return std::string(trim(s));
}

std::string finish(std::string s) {
  size_t b = 0;
  while (b < s.size() && (s[b] == '\n' || s[b] == ' ')) ++b;
  size_t e = s.size();
  while (e > b && (s[e - 1] == '\n' || s[e - 1] == ' ')) --e;
  return s.substr(b, e - b);
}

// Gumbo allocates every node, attribute and string separately; a bump arena that
// is reset after each page replaces tens of thousands of malloc/free calls per page.
// One arena per thread; blocks are kept for the next page, so memory stays at the
// high-water mark of the largest page parsed (bounded by max_html_bytes).
class ParseArena {
 public:
  static void* allocate(void* self, size_t n) { return static_cast<ParseArena*>(self)->alloc(n); }
  static void deallocate(void*, void*) {}
  void reset() {
    block_ = 0;
    used_ = 0;
  }

 private:
  static constexpr size_t kBlock = 1 << 20;
  void* alloc(size_t n) {
    n = (n + 15) & ~size_t{15};
    if (n > kBlock / 4) {  // big buffers get their own block, freed on the next reset
      large_.emplace_back(new char[n]);
      return large_.back().get();
    }
    if (blocks_.empty() || used_ + n > kBlock) {
      if (!blocks_.empty()) ++block_;
      if (block_ >= blocks_.size()) blocks_.emplace_back(new char[kBlock]);
      used_ = 0;
    }
    void* p = blocks_[block_].get() + used_;
    used_ += n;
    return p;
  }

 public:
  void release_large() { large_.clear(); }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<std::unique_ptr<char[]>> large_;
  size_t block_ = 0;
  size_t used_ = 0;
};

bool ieq_prefix(std::string_view s, size_t at, std::string_view lower_word) {
  if (at + lower_word.size() > s.size()) return false;
  for (size_t k = 0; k < lower_word.size(); ++k) {
    char c = s[at + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != lower_word[k]) return false;
  }
  return true;
}

// Position of the case-insensitive `needle` (lower case) at or after `from`.
size_t ifind(std::string_view s, std::string_view needle, size_t from) {
  while (from < s.size()) {
    const void* p = std::memchr(s.data() + from, '<', s.size() - from);
    if (!p) return std::string_view::npos;
    size_t at = static_cast<const char*>(p) - s.data();
    if (ieq_prefix(s, at, needle)) return at;
    from = at + 1;
  }
  return std::string_view::npos;
}

}  // namespace

std::string strip_ignored_elements(std::string_view html) {
  // Elements whose content never reaches the text. Removing them before parsing
  // saves the parser most of its work on script-heavy pages; what is left parses to
  // the same tree minus those elements.
  static constexpr std::string_view kOpen[] = {"<script", "<style", "<noscript", "<svg", "<template"};
  static constexpr std::string_view kClose[] = {"</script", "</style", "</noscript", "</svg", "</template"};
  std::string out;
  out.reserve(html.size());
  size_t copied = 0;
  size_t i = 0;
  while (i < html.size()) {
    const void* p = std::memchr(html.data() + i, '<', html.size() - i);
    if (!p) break;
    size_t at = static_cast<const char*>(p) - html.data();
    size_t end = std::string_view::npos;
    bool matched = false;
    if (html.compare(at, 4, "<!--") == 0) {
      matched = true;
      size_t close = html.find("-->", at + 4);
      end = close == std::string_view::npos ? html.size() : close + 3;
    } else {
      for (size_t k = 0; k < std::size(kOpen); ++k) {
        if (!ieq_prefix(html, at, kOpen[k])) continue;
        size_t after = at + kOpen[k].size();
        if (after < html.size() && std::isalnum(static_cast<unsigned char>(html[after]))) continue;
        matched = true;
        size_t close = ifind(html, kClose[k], after);
        if (close == std::string_view::npos) {
          end = html.size();
        } else {
          size_t gt = html.find('>', close);
          end = gt == std::string_view::npos ? html.size() : gt + 1;
        }
        break;
      }
    }
    if (!matched) {
      // <nav> and <footer> hold markup, not raw text, so they are removed only when
      // their end tag is found with nesting balanced; otherwise the parser sees them
      // and the walker drops them (is_boilerplate_element).
      static constexpr std::string_view kBlockOpen[] = {"<nav", "<footer"};
      static constexpr std::string_view kBlockClose[] = {"</nav", "</footer"};
      for (size_t k = 0; k < std::size(kBlockOpen); ++k) {
        if (!ieq_prefix(html, at, kBlockOpen[k])) continue;
        size_t after = at + kBlockOpen[k].size();
        if (after >= html.size() || std::isalnum(static_cast<unsigned char>(html[after]))) break;
        int depth = 1;
        size_t pos = after;
        while (depth > 0) {
          size_t open = ifind(html, kBlockOpen[k], pos);
          size_t close = ifind(html, kBlockClose[k], pos);
          if (close == std::string_view::npos) break;
          if (open != std::string_view::npos && open < close) {
            ++depth;
            pos = open + 1;
          } else {
            --depth;
            pos = close + 1;
          }
        }
        if (depth == 0) {
          size_t gt = html.find('>', pos);
          if (gt != std::string_view::npos) {
            matched = true;
            end = gt + 1;
          }
        }
        break;
      }
    }
    if (!matched) {
      i = at + 1;
      continue;
    }
    out.append(html.substr(copied, at - copied));
    out.push_back(' ');
    copied = i = end;
  }
  out.append(html.substr(std::min(copied, html.size())));
  return out;
}

ExtractedPage extract_html(std::string_view html, const HtmlExtractOptions& options) {
  ExtractedPage page;
  if (html.size() > options.max_html_bytes) html = html.substr(0, options.max_html_bytes);
  std::string stripped = strip_ignored_elements(html);
  thread_local ParseArena arena;
  arena.reset();
  GumboOptions gumbo_options = kGumboDefaultOptions;
  gumbo_options.allocator = &ParseArena::allocate;
  gumbo_options.deallocator = &ParseArena::deallocate;
  gumbo_options.userdata = &arena;
  gumbo_options.max_errors = 0;  // parse errors are not needed; don't record them
  GumboOutput* doc = gumbo_parse_with_options(&gumbo_options, stripped.data(), stripped.size());
  page.title = node_text(find_tag(doc->root, GUMBO_TAG_TITLE));
  const GumboNode* body = find_tag(doc->root, GUMBO_TAG_BODY);
  if (!body) body = doc->root;
  size_t links = 0;
  if (const GumboNode* main = find_main(body)) {
    Walker w;
    w.max_link_density_ = options.max_link_density;
    w.walk(main, false, false, links, 0);
    page.text = finish(std::move(w.out));
  }
  if (page.text.empty()) {
    Walker w;
    w.max_link_density_ = options.max_link_density;
    w.walk(body, false, false, links, 0);
    page.text = finish(std::move(w.out));
  }
  // No gumbo_destroy_output: the arena owns every allocation of this parse.
  (void)doc;
  arena.release_large();
  return page;
}

}  // namespace llmforge::data
