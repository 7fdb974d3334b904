#include "gateway/crypto/password_hash.h"

#include <chrono>
#include <cstdio>
#include <set>

#include <gtest/gtest.h>

namespace ketenpoort::crypto {
namespace {

// The cheapest cost allowed, so that the tests of behaviour stay fast; one test uses the default.
constexpr PasswordCost kFast = kMinimumPasswordCost;

TEST(PasswordHash, VerifiesTheRightPasswordOnly) {
  auto stored = HashPassword("correct horse battery staple", kFast);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_TRUE(VerifyPassword(*stored, "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*stored, "correct horse battery stapl"));
  EXPECT_FALSE(VerifyPassword(*stored, ""));
  EXPECT_EQ(stored->find("correct"), std::string::npos);
}

TEST(PasswordHash, IsArgon2idWithItsCostAndAFreshSalt) {
  auto a = HashPassword("same", kFast);
  auto b = HashPassword("same", kFast);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->rfind("$argon2id$v=19$m=8192,t=1,p=1$", 0), 0u) << *a;
  EXPECT_NE(*a, *b);  // the salt differs
  EXPECT_TRUE(VerifyPassword(*b, "same"));
}

TEST(PasswordHash, DefaultCostIsT3M64MiBP1AndItsTimeIsPrinted) {
  const auto start = std::chrono::steady_clock::now();
  auto stored = HashPassword("a password", PasswordCost{});
  const auto hashed = std::chrono::steady_clock::now();
  ASSERT_TRUE(stored);
  EXPECT_TRUE(VerifyPassword(*stored, "a password"));
  const auto verified = std::chrono::steady_clock::now();
  EXPECT_EQ(stored->rfind("$argon2id$v=19$m=65536,t=3,p=1$", 0), 0u) << *stored;
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  // Recorded in docs/BENCHMARKS.md; printed so that a run on other hardware can be compared.
  std::printf("argon2id t=3 m=64MiB p=1: hash %lld ms, verify %lld ms\n",
              static_cast<long long>(duration_cast<milliseconds>(hashed - start).count()),
              static_cast<long long>(duration_cast<milliseconds>(verified - hashed).count()));
}

TEST(PasswordHash, RefusesMalformedHashesAndOverlongPasswords) {
  EXPECT_FALSE(VerifyPassword("", "x"));
  EXPECT_FALSE(VerifyPassword("$argon2i$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "x"));
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$m=8192,t=1,p=1$!!$!!", "x"));
  std::string long_password(kMaxPasswordBytes + 1, 'a');
  auto refused = HashPassword(long_password, kFast);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "password_too_long");
  auto stored = HashPassword("a", kFast);
  ASSERT_TRUE(stored);
  EXPECT_FALSE(VerifyPassword(*stored, long_password));
}

TEST(PasswordHash, RefusesACostOutsideTheBounds) {
  for (PasswordCost c : {PasswordCost{0, 65536, 1}, PasswordCost{3, 4096, 1},
                         PasswordCost{3, 65536, 0}, PasswordCost{11, 65536, 1}}) {
    auto r = HashPassword("x", c);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "password_cost_invalid");
  }
}

TEST(PasswordHash, NewPasswordsAreFourGroupsOfFiveUnambiguousCharacters) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string p = NewPassword();
    ASSERT_EQ(p.size(), 23u) << p;
    for (std::size_t j = 0; j < p.size(); ++j) {
      if (j % 6 == 5) {
        EXPECT_EQ(p[j], '-') << p;
      } else {
        EXPECT_NE(std::string_view("abcdefghjkmnpqrstuvwxyz23456789").find(p[j]),
                  std::string_view::npos)
            << p;
      }
    }
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 200u);
}

}  // namespace
}  // namespace ketenpoort::crypto
