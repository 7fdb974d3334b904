#include "gateway/core/gateway_url.h"

#include <gtest/gtest.h>

namespace ketenpoort {
namespace {

TEST(GatewayUrlTest, SplitsOriginAuthorityAndPathWithTheDefaultPort) {
  auto u = ParseGatewayUrl("https://GW-B.example.org/kp/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->origin, "https://gw-b.example.org:443");
  EXPECT_EQ(u->authority, "gw-b.example.org:443");
  EXPECT_EQ(u->path, "/kp");
  auto v6 = ParseGatewayUrl("https://[::1]:8443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->authority, "[::1]:8443");
  EXPECT_EQ(v6->path, "");
  EXPECT_EQ(ParseGatewayUrl("https://[::1]")->authority, "[::1]:443");
}

TEST(GatewayUrlTest, RefusesWhatIsNotAnHttpsUrlWithAHost) {
  EXPECT_FALSE(ParseGatewayUrl(""));
  EXPECT_FALSE(ParseGatewayUrl("https://"));
  EXPECT_FALSE(ParseGatewayUrl("http://gw-b.example.org"));
  EXPECT_FALSE(ParseGatewayUrl("https:///kp"));
  EXPECT_FALSE(ParseGatewayUrl("gw-b"));
}

TEST(GatewayUrlTest, SameGatewayIgnoresSpellingButNotPortHostOrPath) {
  EXPECT_TRUE(IsSameGateway("https://gw-b.example.org:443/kp", "https://GW-B.example.org/kp/"));
  EXPECT_TRUE(IsSameGateway("https://127.0.0.1:9443", "https://127.0.0.1:9443/"));
  EXPECT_FALSE(IsSameGateway("https://gw-b.example.org", "https://gw-b.example.org:8443"));
  EXPECT_FALSE(IsSameGateway("https://gw-b.example.org", "https://gw-c.example.org"));
  EXPECT_FALSE(IsSameGateway("https://gw-b.example.org/a", "https://gw-b.example.org/b"));
  EXPECT_FALSE(IsSameGateway("https://gw-b.example.org/a", "https://gw-b.example.org"));
  EXPECT_FALSE(IsSameGateway("", ""));
  EXPECT_FALSE(IsSameGateway("gw-b", "gw-b"));
}

}  // namespace
}  // namespace ketenpoort
