#include "core/cli_options.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace llmforge {
namespace {

CliOptions make() {
  CliOptions o("llmforge x [options]", "test command");
  o.add("steps", "10", "number of steps").add("lr", "0.001", "learning rate");
  o.add_flag("verbose", "talk more");
  return o;
}

TEST(CliOptions, DefaultsAndOverrides) {
  CliOptions o = make();
  ASSERT_TRUE(o.parse({"--steps", "20", "--lr=0.5", "--verbose"}));
  EXPECT_EQ(o.get_int("steps"), 20);
  EXPECT_DOUBLE_EQ(o.get_double("lr"), 0.5);
  EXPECT_TRUE(o.get_bool("verbose"));
  EXPECT_TRUE(o.given("steps"));
  CliOptions d = make();
  ASSERT_TRUE(d.parse(std::vector<std::string>{}));
  EXPECT_EQ(d.get_int("steps"), 10);
  EXPECT_FALSE(d.get_bool("verbose"));
  EXPECT_FALSE(d.given("steps"));
}

TEST(CliOptions, HelpListsEveryOptionWithDefault) {
  std::string help = make().help();
  EXPECT_NE(help.find("--steps VALUE"), std::string::npos);
  EXPECT_NE(help.find("(default: 10)"), std::string::npos);
  EXPECT_NE(help.find("(default: 0.001)"), std::string::npos);
  EXPECT_NE(help.find("--verbose"), std::string::npos);
}

TEST(CliOptions, BadInputNamesTheOption) {
  CliOptions o = make();
  try {
    o.parse({"--bogus", "1"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--bogus"), std::string::npos);
  }
  CliOptions n = make();
  n.parse({"--steps", "ten"});
  EXPECT_THROW(n.get_int("steps"), Error);
  CliOptions m = make();
  EXPECT_THROW(m.parse({"--steps"}), Error);
  CliOptions p = make();
  EXPECT_THROW(p.parse({"stray"}), Error);
}

TEST(CliOptions, NegatedFlag) {
  CliOptions o("x", "y");
  o.add_flag("tied", "tie embeddings", true);
  ASSERT_TRUE(o.parse({"--no-tied"}));
  EXPECT_FALSE(o.get_bool("tied"));
}

// A renamed option answers to its old name with a warning on stderr, and --help
// lists the old name under the new one.
TEST(CliOptions, DeprecatedAliasWorksWarnsAndIsListed) {
  CliOptions o = make();
  o.add_alias("output", "steps").add_alias("chatty", "verbose");
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(o.parse({"--output", "7", "--no-chatty"}));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(o.get_int("steps"), 7);
  EXPECT_TRUE(o.on_command_line("steps"));
  EXPECT_FALSE(o.get_bool("verbose"));
  EXPECT_NE(err.find("--output is deprecated; use --steps"), std::string::npos) << err;
  EXPECT_NE(err.find("--chatty is deprecated; use --no-verbose"), std::string::npos) << err;
  const std::string help = o.help();
  EXPECT_NE(help.find("deprecated name: --output"), std::string::npos) << help;
}

TEST(CliOptions, SetIfAbsentIsNotTheCommandLine) {
  CliOptions o = make();
  ASSERT_TRUE(o.parse({"--lr", "0.5"}));
  EXPECT_TRUE(o.set_if_absent("steps", "3"));
  EXPECT_TRUE(o.given("steps"));
  EXPECT_FALSE(o.on_command_line("steps"));
  EXPECT_TRUE(o.on_command_line("lr"));
  o.set_default_note("lr", "from --preset");
  EXPECT_NE(o.help().find("(default: from --preset)"), std::string::npos);
}

}  // namespace
}  // namespace llmforge
