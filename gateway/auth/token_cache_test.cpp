#include "gateway/auth/token_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace ketenpoort::auth {
namespace {

Principal Sender(std::string org) {
  return Principal{7, std::move(org), Role::kSender, "u1"};
}

TEST(TokenCacheTest, FindsARememberedTokenAndNoOther) {
  TokenCache cache({.ttl = std::chrono::hours(1)});
  EXPECT_FALSE(cache.Find("kpt_a"));
  cache.Remember("kpt_a", Sender("shop-denhaag"));
  auto found = cache.Find("kpt_a");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->org, "shop-denhaag");
  EXPECT_EQ(found->token_id, 7);
  EXPECT_FALSE(cache.Find("kpt_b"));
  EXPECT_FALSE(cache.Find("kpt_a "));
}

TEST(TokenCacheTest, ForgetsAfterItsTimeToLive) {
  TokenCache cache({.ttl = std::chrono::milliseconds(0)});
  cache.Remember("kpt_a", Sender("shop-denhaag"));
  EXPECT_FALSE(cache.Find("kpt_a"));  // ttl 0 remembers nothing

  TokenCache brief({.ttl = std::chrono::milliseconds(1)});
  brief.Remember("kpt_a", Sender("shop-denhaag"));
  // Wait for the clock, not for a guess: the entry is gone once 1 ms has passed.
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start <= std::chrono::milliseconds(1)) {
  }
  EXPECT_FALSE(brief.Find("kpt_a"));
}

TEST(TokenCacheTest, ClearForgetsEverything) {
  TokenCache cache({.ttl = std::chrono::hours(1)});
  cache.Remember("kpt_a", Sender("a"));
  cache.Remember("kpt_b", Sender("b"));
  cache.Clear();
  EXPECT_FALSE(cache.Find("kpt_a"));
  EXPECT_FALSE(cache.Find("kpt_b"));
}

TEST(TokenCacheTest, StaysWithinItsSizeKeepingTheNewest) {
  TokenCache cache({.ttl = std::chrono::hours(1), .max_entries = 4});
  for (int i = 0; i < 20; ++i)
    cache.Remember("kpt_" + std::to_string(i), Sender("org" + std::to_string(i)));
  int known = 0;
  for (int i = 0; i < 20; ++i)
    known += cache.Find("kpt_" + std::to_string(i)) ? 1 : 0;
  EXPECT_LE(known, 4);
  EXPECT_TRUE(cache.Find("kpt_19"));  // the last one remembered is always there
}

}  // namespace
}  // namespace ketenpoort::auth
