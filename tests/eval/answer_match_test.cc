// Scoring of free-form replies against short answers: whole phrases, case and
// whitespace insensitive, word boundaries at both ends.
#include <gtest/gtest.h>

#include "eval/answer_match.h"

namespace llmforge {
namespace {

TEST(AnswerMatch, NormalizesCaseWhitespaceAndEdgePunctuation) {
  EXPECT_EQ(normalize_reply_text("  Born in\n\tLISBON.  "), "born in lisbon.");
  EXPECT_EQ(normalize_answer_text(" \"Lisbon.\" "), "lisbon");
  EXPECT_EQ(normalize_answer_text("March 4, 1975"), "march 4, 1975");
  EXPECT_EQ(normalize_answer_text("U.S."), "u.s");
  EXPECT_EQ(normalize_answer_text("..."), "");
}

TEST(AnswerMatch, FindsTheAnswerInsideASentence) {
  EXPECT_TRUE(answer_matches("Mara Okafor was born on March 4, 1975.", "March 4, 1975"));
  EXPECT_TRUE(answer_matches("She was born in LISBON.", "Lisbon"));
  EXPECT_TRUE(answer_matches("lisbon", "Lisbon"));
  EXPECT_TRUE(answer_matches("Born on March  4,\n1975 in Lisbon", "March 4, 1975"));
  EXPECT_TRUE(answer_matches("She studied at (Kyoto University)", "Kyoto University"));
  EXPECT_TRUE(answer_matches("Served in the U.S. Army", "U.S."));
  EXPECT_TRUE(answer_matches("Born in Zürich, Switzerland", "Zürich"));
  EXPECT_TRUE(
      answer_matches("Born in Lisbon\xE2\x80\x94"
                     "a port city",
                     "Lisbon"));                                            // em dash
  EXPECT_TRUE(answer_matches("\xE2\x80\x9CLisbon\xE2\x80\x9D", "Lisbon"));  // curly quotes
}

TEST(AnswerMatch, RequiresWordBoundaries) {
  EXPECT_FALSE(answer_matches("She was born in Lisbonne.", "Lisbon"));
  EXPECT_FALSE(answer_matches("Banana", "Ana"));
  EXPECT_FALSE(answer_matches("a New Yorker", "New York"));
  EXPECT_FALSE(answer_matches("born on March 4, 19750", "March 4, 1975"));
  EXPECT_FALSE(answer_matches("Born in Zürichsee", "Zürich"));
  // A later occurrence on word boundaries still counts.
  EXPECT_TRUE(answer_matches("Lisbonne? No: Lisbon.", "Lisbon"));
}

TEST(AnswerMatch, APartOfTheAnswerIsNotEnough) {
  EXPECT_FALSE(answer_matches("She was born in 1975.", "March 4, 1975"));
  EXPECT_FALSE(answer_matches("She was born on March 14, 1975.", "March 4, 1975"));
  EXPECT_FALSE(answer_matches("She was born on March 4 1975.", "March 4, 1975"));
  EXPECT_FALSE(answer_matches("Kyoto", "Kyoto University"));
  EXPECT_FALSE(answer_matches("", "Lisbon"));
  EXPECT_FALSE(answer_matches("anything at all", "..."));  // no words: matches nothing
}

TEST(AnswerMatch, AllExpectedStringsMustAppear) {
  const std::vector<std::string> expected{"Nova", "Brightline Labs"};
  EXPECT_TRUE(all_answers_match("I am Nova, made by Brightline Labs.", expected));
  EXPECT_FALSE(all_answers_match("I am Nova.", expected));
  EXPECT_FALSE(all_answers_match("I am Nova.", {}));
}

}  // namespace
}  // namespace llmforge
