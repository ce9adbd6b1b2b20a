#include <gtest/gtest.h>

#include "core/markup.h"

namespace llmforge {
namespace {

TEST(Markup, EscapesTheCharactersThatEndTextOrAnAttribute) {
  EXPECT_EQ(markup_escape("a < b && c > \"d\""), "a &lt; b &amp;&amp; c &gt; &quot;d&quot;");
  EXPECT_EQ(markup_escape("plain text, l'été 北京"), "plain text, l'été 北京");
  EXPECT_EQ(markup_escape(""), "");
}

}  // namespace
}  // namespace llmforge
