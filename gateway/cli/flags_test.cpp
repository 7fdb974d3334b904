#include "gateway/cli/flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ketenpoort::cli {
namespace {

// Holds argv strings alive for Parse().
struct Argv {
  explicit Argv(std::vector<std::string> a) : args(std::move(a)) {
    for (auto& s : args)
      ptrs.push_back(s.data());
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  char** argv() { return ptrs.data(); }
  std::vector<std::string> args;
  std::vector<char*> ptrs;
};

Flags SendFlags() {
  return Flags("send", "Sends a message.",
               {{"config", "FILE", "config file", Flag::kRequired},
                {"demo", "", "a switch"},
                {"attach", "FILE", "attachment", Flag::kRepeatable}});
}

TEST(FlagsTest, ParsesValuesSwitchesAndRepeats) {
  Argv a({"--config", "gw.json", "--demo", "--attach=a.pdf", "--attach", "b.png"});
  auto p = SendFlags().Parse(a.argc(), a.argv());
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->Get("config"), "gw.json");
  EXPECT_TRUE(p->Has("demo"));
  EXPECT_EQ(p->GetAll("attach"), (std::vector<std::string>{"a.pdf", "b.png"}));
}

TEST(FlagsTest, RefusesUnknownOptionByName) {
  Argv a({"--config", "x", "--colour", "blue"});
  auto p = SendFlags().Parse(a.argc(), a.argv());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "unknown option '--colour'");
}

TEST(FlagsTest, RefusesMissingRequiredAndMissingValue) {
  Argv none({"--demo"});
  auto p = SendFlags().Parse(none.argc(), none.argv());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "--config is required");
  Argv dangling({"--config"});
  auto q = SendFlags().Parse(dangling.argc(), dangling.argv());
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().message, "--config needs a value");
}

TEST(FlagsTest, RefusesRepeatedSingleValueAndStrayPositional) {
  Argv twice({"--config", "a", "--config", "b"});
  EXPECT_FALSE(SendFlags().Parse(twice.argc(), twice.argv()).ok());
  Argv stray({"--config", "a", "extra"});
  auto p = SendFlags().Parse(stray.argc(), stray.argv());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "unexpected argument 'extra'");
}

TEST(FlagsTest, HelpWinsOverMissingRequired) {
  Argv a({"--help"});
  auto p = SendFlags().Parse(a.argc(), a.argv());
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->help_requested());
  EXPECT_NE(SendFlags().Usage().find("--attach FILE"), std::string::npos);
}

}  // namespace
}  // namespace ketenpoort::cli
