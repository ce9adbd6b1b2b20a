// HTML to text: main content with paragraphs kept, boilerplate dropped.
#include <gtest/gtest.h>

#include "data/html_extract.h"

namespace llmforge::data {
namespace {

const char* kPage = R"(<!DOCTYPE html>
<html><head><title>River  Stories</title><style>p { color: red }</style>
<script>var tracker = "secret script text";</script></head>
<body>
<div id="cookie-banner">We use cookies to improve your experience. <button>Accept all cookies</button></div>
<header class="site-header"><nav><ul><li><a href="/">Home</a></li><li><a href="/about">About us</a></li></ul></nav></header>
<div class="layout">
<div class="sidebar"><h3>Popular</h3><ul><li><a href="/a">Sidebar link one</a></li></ul></div>
<main>
<h1>The river in winter</h1>
<p>The river was   frozen for three weeks, and the children walked across it every morning.</p>
<p>In the evening the village lit fires on the bank. <a href="/fires">Read about fires</a> if you like.</p>
<ul><li>First point about the ice.</li><li>Second point about the snow.</li></ul>
<pre>code line 1
  code line 2</pre>
<div style="display: none">hidden text</div>
<div aria-hidden="true">aria hidden text</div>
</main>
</div>
<footer>Copyright 2024 Example. <a href="/privacy">Privacy</a></footer>
<noscript>Please enable JavaScript</noscript>
</body></html>)";

TEST(DataHtmlExtract, KeepsMainContentWithParagraphsAndDropsBoilerplate) {
  ExtractedPage p = extract_html(kPage);
  EXPECT_EQ(p.title, "River  Stories");
  const std::string& t = p.text;
  EXPECT_EQ(t.rfind("The river in winter\n\nThe river was frozen for three weeks", 0), 0u) << t;
  EXPECT_NE(t.find("walked across it every morning.\n\nIn the evening"), std::string::npos) << t;
  EXPECT_NE(t.find("Read about fires if you like."), std::string::npos) << t;
  EXPECT_NE(t.find("First point about the ice.\nSecond point about the snow."), std::string::npos) << t;
  EXPECT_NE(t.find("code line 1\n  code line 2"), std::string::npos) << t;
  for (const char* junk : {"cookies", "Home", "About us", "Sidebar", "Copyright", "secret script",
                           "color: red", "hidden text", "JavaScript"}) {
    EXPECT_EQ(t.find(junk), std::string::npos) << "kept boilerplate '" << junk << "' in:\n" << t;
  }
}

TEST(DataHtmlExtract, WithoutMainDropsLinkFarmsAndBoilerplateClasses) {
  std::string html =
      "<html><body><div class=\"menu\">Products Services Contact</div>"
      "<div><a href=1>Cheap link one</a> <a href=2>Cheap link two</a> <a href=3>Cheap link three</a></div>"
      "<div><p>This is the real article text that a reader came for, with a <a href=x>link</a> inside.</p></div>"
      "<div class=\"social-share\">Share on everything</div>"
      "<table><tr><td>cell a</td><td>cell b</td></tr></table>"
      "</body></html>";
  ExtractedPage p = extract_html(html);
  EXPECT_NE(p.text.find("This is the real article text"), std::string::npos) << p.text;
  EXPECT_NE(p.text.find("cell a cell b"), std::string::npos) << p.text;
  EXPECT_EQ(p.text.find("Cheap link"), std::string::npos) << p.text;
  EXPECT_EQ(p.text.find("Products"), std::string::npos) << p.text;
  EXPECT_EQ(p.text.find("Share on"), std::string::npos) << p.text;
}

TEST(DataHtmlExtract, SurvivesBrokenMarkupAndEntities) {
  ExtractedPage p = extract_html("<p>Tom &amp; Jerry &lt;3 caf&eacute;<p>second<div><b>unclosed");
  EXPECT_NE(p.text.find("Tom & Jerry <3 caf\xC3\xA9"), std::string::npos) << p.text;
  EXPECT_NE(p.text.find("second"), std::string::npos);
  EXPECT_NE(p.text.find("unclosed"), std::string::npos);
  EXPECT_EQ(extract_html("").text, "");
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "<div>";
  deep += "deep text";
  EXPECT_NO_THROW(extract_html(deep));
}

}  // namespace
}  // namespace llmforge::data

namespace llmforge::data {
namespace {

TEST(DataHtmlExtract, StripsScriptsStylesAndCommentsBeforeParsing) {
  EXPECT_EQ(strip_ignored_elements("a<script type=x>if (a<b) {}</SCRIPT >b<!-- c -->d<style>p{}</style>e"),
            "a b d e");
  EXPECT_EQ(strip_ignored_elements("<scripts>kept</scripts><svg><g/></svg>x"), "<scripts>kept</scripts> x");
  EXPECT_EQ(strip_ignored_elements("before<script>never closed"), "before ");
  EXPECT_EQ(strip_ignored_elements("<!-- never closed"), " ");
  EXPECT_EQ(strip_ignored_elements("a<nav><nav>x</nav>y</NAV>b<footer class=f>z</footer>c"), "a b c");
  // Unbalanced: left to the parser, which drops the element itself.
  EXPECT_EQ(strip_ignored_elements("a<nav>x<p>text"), "a<nav>x<p>text");
  EXPECT_EQ(strip_ignored_elements("<navigation>kept</navigation>"), "<navigation>kept</navigation>");
  ExtractedPage p = extract_html("<p>one<script>document.write('<p>two</p>')</script> three</p>");
  EXPECT_EQ(p.text, "one three");
}

}  // namespace
}  // namespace llmforge::data
