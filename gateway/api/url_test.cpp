#include "gateway/api/url.h"

#include <gtest/gtest.h>

namespace ketenpoort::api {
namespace {

using Segments = std::vector<std::string>;

TEST(PercentDecodeTest, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(*PercentDecode("a%2Fb%20c"), "a/b c");
  EXPECT_EQ(*PercentDecode("a+b"), "a+b");
  EXPECT_EQ(*PercentDecode("a+b", /*plus_is_space=*/true), "a b");
  EXPECT_EQ(*PercentDecode("%c3%A9"), "\xc3\xa9");
}

TEST(PercentDecodeTest, RefusesMalformedEscapesAndNul) {
  for (const char* bad : {"%", "%4", "a%zz", "%0g", "x%00y"}) {
    auto r = PercentDecode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "invalid_escape");
    EXPECT_EQ(r.error().message.find(bad), std::string::npos) << "must not echo the input";
  }
}

TEST(SplitPathTest, SplitsAndDecodesSegments) {
  EXPECT_EQ(*SplitPath("/"), Segments{});
  EXPECT_EQ(*SplitPath("/healthz"), Segments{"healthz"});
  EXPECT_EQ(*SplitPath("/v1/messages/01HX%2D7/status"),
            (Segments{"v1", "messages", "01HX-7", "status"}));
  EXPECT_EQ(*SplitPath("/a/"), (Segments{"a", ""}));
  EXPECT_EQ(*SplitPath("/a//b"), (Segments{"a", "", "b"}));
  EXPECT_EQ(*SplitPath("/a%2Fb"), Segments{"a/b"});  // an escaped slash stays inside its segment
  EXPECT_EQ(*SplitPath("/a/...b"), (Segments{"a", "...b"}));
}

TEST(SplitPathTest, RefusesDotSegmentsNulBadEscapesAndRelativePaths) {
  for (const char* bad : {"/v1/../audit", "/v1/..", "/./x", "/v1/%2e%2E/audit", "/v1/%2E", "/a%00b",
                          "/a%zz", "", "v1/x", "*"}) {
    auto r = SplitPath(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "invalid_path") << bad;
    EXPECT_EQ(r.error().field, "path");
  }
}

TEST(ParseQueryTest, DecodesNamesAndValues) {
  auto q = ParseQuery("after=c%3D1&limit=10&name=a+b&flag&&");
  ASSERT_TRUE(q.ok()) << q.error().ToString();
  EXPECT_EQ(q->at("after"), "c=1");
  EXPECT_EQ(q->at("limit"), "10");
  EXPECT_EQ(q->at("name"), "a b");
  EXPECT_EQ(q->at("flag"), "");
  EXPECT_EQ(q->size(), 4u);
  EXPECT_TRUE(ParseQuery("")->empty());
}

TEST(ParseQueryTest, RefusesRepeatsEmptyNamesAndBadEscapes) {
  EXPECT_EQ(ParseQuery("a=1&a=2").error().code, "duplicate_query_parameter");
  EXPECT_EQ(ParseQuery("=1").error().code, "invalid_query");
  EXPECT_EQ(ParseQuery("a=%zz").error().code, "invalid_query");
  EXPECT_EQ(ParseQuery("a=%00").error().code, "invalid_query");
}

}  // namespace
}  // namespace ketenpoort::api
