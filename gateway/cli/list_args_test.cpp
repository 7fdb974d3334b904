#include "gateway/cli/list_args.h"

#include <gtest/gtest.h>

namespace ketenpoort::cli {
namespace {

using Map = std::map<std::string, std::string>;

TEST(ParseKeyValueListTest, ReadsPairs) {
  auto r = ParseKeyValueList("region=GM0599,age_band=minor", "--routing");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, (Map{{"age_band", "minor"}, {"region", "GM0599"}}));
  auto one = ParseKeyValueList("region=GM0518", "--routing");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, (Map{{"region", "GM0518"}}));
  // Only the first '=' separates: the value keeps the rest.
  auto eq = ParseKeyValueList("note=a=b", "--routing");
  ASSERT_TRUE(eq.ok());
  EXPECT_EQ(*eq, (Map{{"note", "a=b"}}));
}

TEST(ParseKeyValueListTest, RefusesMalformedLists) {
  for (const char* bad : {"", "region", "region=", "=GM0518", "region=GM0518,", ",region=GM0518",
                          "region=GM0518,,age_band=minor", "region=GM0518,region=GM0599"}) {
    auto r = ParseKeyValueList(bad, "--routing");
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.error().code, "invalid_key_value_list") << bad;
    EXPECT_EQ(r.error().field, "--routing") << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument) << bad;
  }
}

TEST(ParseKeyValueListTest, NeverQuotesAValue) {
  auto r = ParseKeyValueList("topic=secret-value,topic=other-secret", "--routing");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("secret"), std::string::npos);
  EXPECT_NE(r.error().message.find("topic"), std::string::npos);
}

TEST(ParseOrgListTest, KeepsOrder) {
  auto r = ParseOrgList("meldpunt-rotterdam,comensha", "--to");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, (std::vector<std::string>{"meldpunt-rotterdam", "comensha"}));
}

TEST(ParseOrgListTest, RefusesBadIdsEmptyItemsAndRepeats) {
  for (const char* bad : {"", ",", "comensha,", "comensha,,ind", "Comensha", "comensha ind",
                          "comensha,comensha", "../etc"}) {
    auto r = ParseOrgList(bad, "--to");
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.error().code, "invalid_org_list") << bad;
    EXPECT_EQ(r.error().field, "--to") << bad;
  }
}

}  // namespace
}  // namespace ketenpoort::cli
