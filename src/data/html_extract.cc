#include "data/html_extract.h"

#include <gumbo.h>

#include <algorithm>
#include <cctype>
#include <cstring>

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

  double max_link_density_ = 0.6;

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

}  // namespace

ExtractedPage extract_html(std::string_view html, const HtmlExtractOptions& options) {
  ExtractedPage page;
  if (html.size() > options.max_html_bytes) html = html.substr(0, options.max_html_bytes);
  GumboOutput* doc = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
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
  gumbo_destroy_output(&kGumboDefaultOptions, doc);
  return page;
}

}  // namespace llmforge::data
